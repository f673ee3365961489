"""The one loader of every input file: a scalar is the text the coder wrote, each field knows
its own line, and no file, however built, can crash, hang or flood the build."""
import re
import time

import pytest
import yaml

from pipeline import actors, ingest
from pipeline.files import PipelineError, _parse, check, read_yaml
from pipeline.link import _check_lineage

pytestmark = pytest.mark.unit


def test_scalars_are_the_text_written_not_yaml_types():
    data = _parse("published: 2016-08-30\nalias: No\nyear: 1920\nid: 7\nflag: true\nempty:\nnull_word: ~\n", "f.yaml")
    assert data == {"published": "2016-08-30", "alias": "No", "year": "1920", "id": "7", "flag": "true", "empty": "", "null_word": "~"}


def test_each_field_knows_its_own_line():
    data = _parse("events:\n  - id: a\n    title: T\n    quote:\n      - one\n      - two\n", "f.yaml")
    record = data["events"][0]
    assert (record.line, record.line_of("title"), record.line_of("quote")) == (2, 3, 4)
    assert [record["quote"].line_of(i) for i in range(2)] == [5, 6]


def test_the_parser_is_libyaml():
    from pipeline import files
    assert files._Parser is yaml.cyaml.CParser


@pytest.mark.parametrize("text, problem", [
    ("a: " + "[" * 100_000 + "]" * 100_000, "nested more than 64 levels deep"),  # libyaml's own composer crashes here
    ("".join(f"b{i}: &b{i} [" + ", ".join([f"*b{i - 1}" if i else "x"] * 9) + "]\n" for i in range(12)), "aliases expand"),
    ("a: *nowhere\n", "names no anchor"),
    ("a: !!python/object/apply:os.system [ls]\n", "is not allowed"),
    ("a: 1\na: 2\n", "duplicate key 'a' (first at line 1)"),
    ("[a]: 1\n", "a mapping key must be plain text"),
    ("a: 1\n---\nb: 2\n", "more than one document"),
    ("k: " + "x" * 10_000_000 + "\nk: y\n", "duplicate key"),
])
def test_hostile_yaml_is_refused_fast_with_a_short_message(text, problem):
    started = time.perf_counter()
    with pytest.raises(PipelineError) as e:
        _parse(text, "f.yaml")
    assert problem in str(e.value) and "Fix:" in str(e.value) and len(str(e.value)) < 2000
    assert time.perf_counter() - started < 5


def test_a_message_stays_short_whatever_the_value():
    e = PipelineError("f.yaml", 3, f"title {'x' * 10**6!r} is odd", "fix " + "y" * 10**5)
    assert len(str(e)) < 2000 and str(e).startswith("f.yaml:3: title 'xxx")


SPEC = {"id": ("slug", True), "ongoing": ("bool", False), "type": (("a", "b"), False), "title": ("words", True)}


def test_declared_types_coerce_or_refuse_at_the_field_line():
    record = _parse("id: x\nongoing: 'true'\ntitle: No\n", "f.yaml")
    assert check(record, SPEC, "f.yaml", "record") == {"id": "x", "ongoing": True, "title": "No"}
    for text, message in [("id: x\nongoing: No\ntitle: t\n", "f.yaml:2: ongoing 'No' is not true or false"),
                          ("id: ../x\ntitle: t\n", "f.yaml:1: id '../x' is not a lowercase slug"),
                          ("id: x\ntitle: t\ntype: c\n", "f.yaml:3: type 'c' is not one of ['a', 'b']"),
                          ("id: x\ntitle: [t]\n", "f.yaml:2: title ['t'] is not non-empty text"),
                          ("id: x\ntitel: t\n", "f.yaml:2: unknown key(s) in a record: 'titel' (did you mean 'title'?)"),
                          ("id: x\n", "f.yaml:1: record 'x' lacks ['title']")]:
        with pytest.raises(PipelineError, match=re.escape(message)):
            check(_parse(text, "f.yaml"), SPEC, "f.yaml", "record", "id")


def test_the_sheet_declarations_take_the_mapping_forms_and_refuse_other_types_at_their_line():
    from pipeline.code import fields
    casualty = _parse("id: c\nevent: e\nactor: A\ncategory: killed\nscope: aggregate\ncount: {names: [A, B]}\n"
                      "date: {from: May 2014, to: June 2014}\npart_of: d\ncovers: {sides: [A, B]}\nquote: q\n", "s.yaml")
    record = check(casualty, fields("casualties"), "s.yaml", "casualties record", "id")
    assert (record["count"], record["date"], record["covers"]) == ({"names": ["A", "B"]}, {"from": "May 2014", "to": "June 2014"}, {"sides": ["A", "B"]})
    conflict = _parse("id: w\nname: War\ntype: non_state\nparent: v\nongoing: 'true'\nquote: q\n", "s.yaml")
    assert check(conflict, fields("conflicts"), "s.yaml", "conflicts record", "id")["ongoing"] is True
    for table, text, message in [("casualties", "id: c\nevent: e\nactor: A\ncategory: killed\nscope: event\ncount: [71]\nquote: q\n",
                                  "s.yaml:6: count ['71'] is not text or a mapping"),
                                 ("casualties", "id: c\nevent: e\nactor: A\ncategory: killed\nscope: event\ncount: '1'\ncovers: x\nquote: q\n",
                                  "s.yaml:7: covers 'x' is not a mapping"),
                                 ("conflicts", "id: w\ntype: non_state\nquote: q\nname: [W]\n", "s.yaml:4: name ['W'] is not non-empty text"),
                                 ("conflicts", "id: w\nname: W\ntype: war\nquote: q\n", "s.yaml:3: type 'war' is not one of")]:
        with pytest.raises(PipelineError, match=re.escape(message)):
            check(_parse(text, "s.yaml"), fields(table), "s.yaml", f"{table} record", "id")


def test_a_backtracking_pattern_cannot_hang_ingest(tmp_path, monkeypatch):
    """RE2 matches in time linear in the line: `(a+)+$` against 100,000 a's and a b is instant."""
    rules = tmp_path / "boilerplate.yaml"
    rules.write_text("rules:\n  - {pattern: '(a+)+$', reason: catastrophic}\n  - {pattern: '(x|xx)+y', reason: catastrophic}\n")
    monkeypatch.setattr(ingest, "BOILERPLATE", rules)
    ingest.boilerplate_rules.cache_clear()
    try:
        text = "= T =\n" + "a" * 100_000 + "b\n" + "x" * 100_000 + "\n" + "a" * 1000 + "\n"
        started = time.perf_counter()
        lines, _ = ingest.segment(text, {"heading_style": "wiki"}, ingest.boilerplate_rules())
        assert time.perf_counter() - started < 2
        assert [ln["boilerplate"] for ln in lines] == ["heading", "", "", "catastrophic"]
    finally:
        ingest.boilerplate_rules.cache_clear()


def test_aliases_are_compared_after_unicode_normalization_and_case_folding():
    assert actors.key("ＧＲＯＵＰ Ａ") == actors.key("group a") == actors.key("GROUP A")
    assert actors.key("ﬁghters") == actors.key("Fighters")
    assert actors.key("Da'esh") != actors.key("Da’esh")  # different letters stay different names


def relation(subject, kind, obj, line):
    return {"subject_id": subject, "relation": kind, "object_id": obj, "_where": ("s.yaml", {"object": line})}


def test_lineage_relations_may_not_come_back_to_where_they_started():
    chain = [relation("a", "renamed_to", "b", 1), relation("b", "renamed_to", "c", 2), relation("x", "split_from", "a", 3)]
    _check_lineage(chain)  # a chain is fine
    _check_lineage(chain + [relation("c", "rival_of", "a", 4), relation("c", "merged_into", "a", 5)])  # other kinds do not chain
    with pytest.raises(PipelineError, match=r"s.yaml:6: the renamed_to relations form a cycle: a renamed_to b, b renamed_to c, c renamed_to a"):
        _check_lineage(chain + [relation("c", "renamed_to", "a", 6)])
    with pytest.raises(PipelineError, match="s.yaml:3: the split_from relations form a cycle: a split_from y, y split_from x, x split_from a"):
        _check_lineage(chain + [relation("a", "split_from", "y", 7), relation("y", "split_from", "x", 8)])


def test_a_record_with_an_empty_list_of_quotes_has_no_evidence_and_is_refused():
    from test_sheet_fuzz import sheet
    from pipeline import code
    record = _parse("id: x\nrelation: rival_of\nsubject: ISIL\nobject: Taliban\nquote: []\n", "fuzz.yaml")
    with pytest.raises(PipelineError, match="fuzz.yaml:5: the record has no quote"):
        code.code_record(sheet(), "relations", record)


def test_registry_aliases_are_the_text_written(tmp_path, monkeypatch):
    """`No` and `1920` unquoted are the aliases "No" and "1920", not false and a number."""
    registry = tmp_path / "actors.yaml"
    registry.write_text("actors:\n  - {id: no-group, name: No, type: armed_group, alignment: other, status: active,\n"
                        "     description: A group named No., aliases: [1920, {alias: 2016-08-30, type: other}]}\n")
    monkeypatch.setattr(actors, "REGISTRY", registry)
    actors.load.cache_clear()
    try:
        _, index, aliases = actors.load()
        assert [a["alias"] for a in aliases] == ["No", "1920", "2016-08-30"]
        assert actors.resolve("no", "s.yaml", 1) == actors.resolve("1920", "s.yaml", 1) == "no-group"
    finally:
        actors.load.cache_clear()


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/null"])
def test_an_input_that_is_a_device_is_refused_not_read_forever(tmp_path, target):
    sheet = tmp_path / "sheet.yaml"
    sheet.symlink_to(target)
    with pytest.raises(PipelineError, match="not a regular file"):
        read_yaml(sheet)
