"""The input-level fault catalogue: every input file (manifest, actors registry, boilerplate
rules, coding sheets, pyproject.toml) goes through one strict, typed loader. A bad value is one
message naming the file, the line of the offending field and the fix, exit 1, no traceback, and
build/ byte for byte as it was; YAML's implicit types never change what a coder wrote."""
import hashlib
import os
import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, copy_of, make, published, run_stage
from test_faults import FIXTURE, SHEET, TEXT, edit, new_raw_bytes

pytestmark = pytest.mark.faults

MANIFEST, REGISTRY, RULES = "raw/sources.yaml", "annotations/actors.yaml", "annotations/boilerplate.yaml"
PYPROJECT_END = len((REPO / "pyproject.toml").read_text(encoding="utf-8").splitlines()) + 1  # the line appended below
BOMB = "".join(f"b{i}: &b{i} [" + ", ".join([f"*b{i - 1}" if i else "x"] * 9) + "]\n" for i in range(9))


def append(root, path, text):
    p = root / path
    p.write_text(p.read_text(encoding="utf-8") + text, encoding="utf-8")


def relation(subject, kind, obj, rid):
    return (f"  - id: {rid}\n    subject: {subject}\n    relation: {kind}\n    object: {obj}\n"
            "    quote: In early March 2021 Group A and Group B fought near Testville.\n")


def hard_link_from_outside(root):
    """raw/linked.txt shares its bytes (one inode) with a file outside the repository."""
    outside = root.parent / "outside.txt"
    outside.write_bytes(TEXT)
    os.link(outside, root / "raw" / "linked.txt")
    edit(root, MANIFEST, "file: tiny.txt", "file: linked.txt")


FAULTS = {
    # manifest
    "manifest source_id with ../": (lambda r: edit(r, MANIFEST, "source_id: tiny", "source_id: ../tiny"),
                                    "raw/sources.yaml:2: source_id '../tiny' is not a lowercase slug"),
    "manifest same file twice": (lambda r: append(r, MANIFEST, (FIXTURE / "raw/sources.yaml").read_text().split("sources:\n")[1]
                                                  .replace("source_id: tiny", "source_id: tiny-again")),
                                 "raw/sources.yaml:18: file 'tiny.txt' is listed twice (first at line 3)"),
    "manifest hard link out": (hard_link_from_outside, "raw/sources.yaml:3: file 'linked.txt' has 2 hard links"),
    "manifest value not text": (lambda r: edit(r, MANIFEST, "title: Tiny war", "title: {a: b}"),
                                "raw/sources.yaml:5: title {'a': 'b'} is not non-empty text"),
    "manifest unknown grade": (lambda r: edit(r, MANIFEST, "reliability: B", "reliability: No"),
                               "raw/sources.yaml:12: reliability 'No' is not one of ['A', 'B', 'C', 'D', 'E', 'F']"),
    "manifest nested deep": (lambda r: edit(r, MANIFEST, "title: Tiny war", "title: " + "[" * 5000 + "]" * 5000),
                             "raw/sources.yaml:5: invalid YAML: nested more than 64 levels deep"),
    "manifest alias bomb": (lambda r: append(r, MANIFEST, BOMB), "raw/sources.yaml:23: invalid YAML: aliases expand the file to more than 1000000 values"),
    # actors registry
    "alias equal up to Unicode": (lambda r: edit(r, REGISTRY, "description: Another fixture group.}",
                                                 "description: Another fixture group., aliases: [ＧＲＯＵＰ Ａ]}"),
                                  "annotations/actors.yaml:3: alias 'ＧＲＯＵＰ Ａ' names both 'group-a' and 'group-b'"),
    "actor id not a slug": (lambda r: edit(r, REGISTRY, "id: group-b,", "id: Group B!,"),
                            "annotations/actors.yaml:3: id 'Group B!' is not a lowercase slug"),
    "registry anchor to nothing": (lambda r: edit(r, REGISTRY, "name: Group B,", "name: *b,"),
                                   "annotations/actors.yaml:3: invalid YAML: alias *b names no anchor before it"),
    # boilerplate rules
    "rule without reason": (lambda r: append(r, RULES, "  - {pattern: 'Share this'}\n"),
                            "annotations/boilerplate.yaml:25: boilerplate rule lacks ['reason']"),
    "rule pattern RE2 cannot run": (lambda r: append(r, RULES, "  - {pattern: '(a)\\1', reason: a repeat}\n"),
                                    "annotations/boilerplate.yaml:25: bad pattern '(a)\\\\1': invalid escape sequence"),
    # coding sheets
    "ongoing not true or false": (lambda r: edit(r, SHEET, "    conflict: tiny-war", "    ongoing: No\n    conflict: tiny-war"),
                                  "tiny.yaml:9: ongoing 'No' is not true or false"),
    "self relation": (lambda r: append(r, SHEET, "relations:\n" + relation("Group A", "allied_with", "group-a", "a-and-a")),
                      "tiny.yaml:33: 'Group A' allied_with 'group-a': an actor related to itself"),
    "self pledge": (lambda r: append(r, SHEET, "pledges:\n  - id: a-to-a\n    pledger: Group A\n    pledgee: Group A\n    type: bayah\n"
                                     "    quote: In early March 2021 Group A and Group B fought near Testville.\n"),
                    "tiny.yaml:32: 'Group A' pledges to itself"),
    "lineage cycle": (lambda r: append(r, SHEET, "relations:\n" + relation("Group A", "renamed_to", "Group B", "a-renamed-b")
                                       + relation("Group B", "renamed_to", "Group A", "b-renamed-a")),
                      "tiny.yaml:38: the renamed_to relations form a cycle: group-a renamed_to group-b, group-b renamed_to group-a"),
    "count beyond int64": (lambda r: (new_raw_bytes(r, TEXT.replace(b"killed over seventy", b"killed 99999999999999999999")),
                                      edit(r, SHEET, "count: over seventy", "count: 99999999999999999999"),
                                      edit(r, SHEET, "Group A killed over seventy", "Group A killed 99999999999999999999")),
                           "tiny.yaml:19: count '99999999999999999999' is larger than 9,007,199,254,740,991"),
    "sheet alias bomb": (lambda r: append(r, SHEET, BOMB.replace("b", "waivers-b")), "tiny.yaml:35: invalid YAML: aliases expand"),
    "sheet of no source": (lambda r: shutil.copy(r / SHEET, r / "annotations/sources/other.yaml"),
                           "annotations/sources/other.yaml: the sheet's name is not `<source_id>.yaml` of a source in raw/sources.yaml"),
    # pyproject.toml
    "pyproject broken": (lambda r: append(r, "pyproject.toml", "[project\n"), f"pyproject.toml:{PYPROJECT_END}: invalid TOML"),
    "pyproject version not semver": (lambda r: edit(r, "pyproject.toml", 'version = "0.1.0"', 'version = "0.1"'),
                                     "pyproject.toml: [project] version '0.1' is not MAJOR.MINOR.PATCH"),
}


def one_clear_message(out, file):
    """Exit 1 from the pipeline, one `error:` line under 2,000 characters naming the file and the fix, no traceback."""
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert out.returncode != 0 and "Traceback" not in out.stderr, out.stderr[-3000:]
    assert len(errors) == 1 and len(errors[0]) < 2000 and "Fix:" in errors[0] and file in errors[0], out.stderr[-3000:]
    return errors[0]


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_input_fault_stops_the_build_with_one_clear_message_and_build_intact(fault, tiny_build, tmp_path):
    root = copy_of(tiny_build, tmp_path)
    mutate, message = FAULTS[fault]
    mutate(root)
    out = make(root)
    error = one_clear_message(out, message.split(":")[0].split()[0])
    assert message in error, error
    assert published(root / "build") == tiny_build[1]


def test_every_input_fault_is_in_the_docs_table():
    table = (FIXTURE.parents[2] / "docs" / "FAULTS.md").read_text(encoding="utf-8")
    for fault in FAULTS:
        assert f"| {fault} |" in table, f"docs/FAULTS.md lacks {fault!r}"


# -- what a coder writes is what is read -----------------------------------------------------------
SAME_AS_WRITTEN = {
    "unquoted year": lambda r: edit(r, MANIFEST, 'published: "2021"', "published: 2021"),
    "file before source_id": lambda r: edit(r, MANIFEST, "  - source_id: tiny\n    file: tiny.txt\n", "  - file: tiny.txt\n    source_id: tiny\n"),
    "quoted words": lambda r: edit(r, SHEET, "title: Battle of Testville", "title: 'Battle of Testville'"),
}


@pytest.mark.parametrize("change", sorted(SAME_AS_WRITTEN))
def test_yaml_spelling_of_the_same_text_builds_the_same_package(change, tiny_build, tmp_path):
    """YAML's implicit types and key order change nothing: an unquoted 2021 is the text "2021"."""
    root = copy_of(tiny_build, tmp_path)
    SAME_AS_WRITTEN[change](root)
    out = make(root)
    assert out.returncode == 0, out.stderr
    assert published(root / "build") == tiny_build[1]


def test_ongoing_written_in_quotes_is_true(tiny_build, tmp_path):
    root = copy_of(tiny_build, tmp_path)
    edit(root, SHEET, "    conflict: tiny-war", '    ongoing: "true"\n    conflict: tiny-war')
    assert make(root).returncode == 0
    header, row = (root / "build" / "events.csv").read_text().splitlines()[:2]
    assert dict(zip(header.split(","), row.split(",")))["ongoing"] == "true"


# -- property: any mutation of any input file is refused cleanly -----------------------------------
POISON = ["key: [unclosed", "\t- tab: indented", "*undefined_alias", "!!python/object/apply:os.system [ls]",
          "%YAML 9.9", "- " + "[" * 300 + "]" * 300, BOMB.rstrip("\n")]
KEY_LINE = re.compile(r"^(\s*(?:- )?)(\{)?([A-Za-z_][\w-]*): ")
STAGE = {MANIFEST: ("check",), REGISTRY: ("check",), RULES: ("check",), SHEET: ("code", "tiny")}


def mutate(text, kind, at, poison):
    """A change that makes any YAML input wrong wherever it lands: an unknown or repeated key, a
    value no declaration accepts, a structure nested too deep, or a line of broken YAML. Keys
    are found in block (`key: value`) and flow (`{key: value, ...}`) style alike."""
    lines = text.split("\n")
    keyed = [(i, m) for i, ln in enumerate(lines) if (m := KEY_LINE.match(ln))]
    i, m = keyed[at % len(keyed)]
    line, pre, brace, key = lines[i], m.group(1), m.group(2), m.group(3)
    start = m.end()
    end = min([j for j in (line.find(",", start), line.find("}", start)) if j >= 0] or [len(line)]) if brace else len(line)
    value = line[start:end]
    if kind == "poison":
        lines.insert(at % (len(lines) + 1), poison)
    elif kind in ("no such value", "nested deep"):
        lines[i] = line[:start] + ("{zz: 1}" if kind == "no such value" else "[" * 70 + "]" * 70) + line[end:]
    else:
        extra = "zz_unknown: x" if kind == "unknown key" else f"{key}: {value}"
        if brace:
            lines[i] = line[:m.start(3)] + extra + ", " + line[m.start(3):]
        else:
            lines.insert(i + 1, " " * len(pre) + extra)
    return "\n".join(lines)


@pytest.fixture
def stage_root(tiny_build, tmp_path_factory):
    """A copy of the tiny build for one property test, kept across its examples (each mutates an
    input and restores it): made per test, so this file's builds can run on any worker."""
    root = tmp_path_factory.mktemp("stage") / "repo"
    shutil.copytree(tiny_build[0], root, symlinks=True)
    return root


def tree_hash(folder):
    return hashlib.sha256(repr(published(folder)).encode()).hexdigest()


@settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=st.sampled_from(sorted(STAGE)), kind=st.sampled_from(["unknown key", "repeated key", "no such value", "nested deep", "poison"]),
       at=st.integers(0, 10**6), poison=st.sampled_from(POISON))
def test_any_mutation_of_a_yaml_input_is_refused_with_one_message(stage_root, path, kind, at, poison):
    """The stage that reads the file (check, or code for a sheet) is run on the mutated copy."""
    original = (stage_root / path).read_text(encoding="utf-8")
    before = tree_hash(stage_root / "build")
    try:
        (stage_root / path).write_text(mutate(original, kind, at, poison), encoding="utf-8")
        out = run_stage(stage_root, *STAGE[path])
    finally:
        (stage_root / path).write_text(original, encoding="utf-8")
    one_clear_message(out, path)
    assert tree_hash(stage_root / "build") == before


@settings(deadline=None, max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(at=st.integers(0, 10**6), poison=st.sampled_from(["[[[", "version = 1", 'name = "twice"', "= x", "version = \"1.0.0.0\""]))
def test_any_mutation_of_pyproject_is_refused_with_one_message(stage_root, at, poison):
    path = stage_root / "pyproject.toml"
    original = path.read_text(encoding="utf-8")
    lines = original.split("\n")
    head = lines.index("[tool.pytest.ini_options]")  # inside [project], where a repeated key is wrong too
    lines.insert(1 + at % head, poison)
    try:
        path.write_text("\n".join(lines), encoding="utf-8")
        out = run_stage(stage_root, "check")
    finally:
        path.write_text(original, encoding="utf-8")
    one_clear_message(out, "pyproject.toml")
