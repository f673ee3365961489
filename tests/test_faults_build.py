"""The fault catalogue, build side: nothing from a zip, a file or the command line reaches SQL or a
shell; every stage publishes its outputs as a whole and promote publishes only what the stages
recorded; the lock survives `make clean`; published files are for everyone; a failing machine
(full disk, build/ not a folder or not replaceable) ends in one message. Each fault: exit non-zero, one message naming the file and the fix, no traceback,
build/ as it was."""
import errno
import fcntl
import importlib.util
import io
import os
import re
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import SHEET, TINY_INPUTS as INPUTS, copy_of, make, make_project, published, run_stage

pytestmark = pytest.mark.faults
REBUILD = "make clean && make"


def project_files(root):
    """Every path of the project but the intermediates and the bytecode Python writes for the
    project's own modules: what a command may not write to."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if ".work" not in p.relative_to(root).parts and p.name != "__pycache__" and not python_bytecode(p))


def python_bytecode(path):
    """A .pyc in __pycache__ beside a module whose header is Python's own for that module (magic
    number, the source's date and size): not a file planted there."""
    source = path.parent.parent / (path.name.split(".")[0] + ".py")
    if path.parent.name != "__pycache__" or path.suffix != ".pyc" or not source.is_file():
        return False
    head, stat_ = path.read_bytes()[:16], source.stat()
    return (head[:4] == importlib.util.MAGIC_NUMBER and int.from_bytes(head[8:12], "little") == int(stat_.st_mtime) & 0xFFFFFFFF
            and int.from_bytes(head[12:16], "little") == stat_.st_size & 0xFFFFFFFF)


def assert_one_clear_failure(out, *names, fix="Fix:"):
    """Exit non-zero, one `error:` line naming each of names and the fix, short, no traceback."""
    assert out.returncode != 0, out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in out.stderr, out.stderr
    assert fix in errors[0] and all(n in errors[0] for n in names), errors[0]
    assert len(errors[0]) < 2000
    return errors[0]


# ------------------------------------------------------------------ make diff: untrusted FROM

def release_zip(build_dir, top="aq-is-conflict-0.0.1", extra=()):
    """A zip shaped as `make release` writes it, with extra (ZipInfo, bytes) members."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(build_dir.rglob("*")):
            if p.is_file():
                z.writestr(f"{top}/{p.relative_to(build_dir).as_posix()}", p.read_bytes())
        for info, data in extra:
            z.writestr(info, data)
    return buf.getvalue()


def link_member(name, target):
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def bomb(path, build_dir):
    """A valid release zip plus one member of 300 MB of zeros (a few hundred KB packed)."""
    path.write_bytes(release_zip(build_dir))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z, z.open("aq-is-conflict-0.0.1/zeros.csv", "w", force_zip64=True) as f:
        block = bytes(1 << 20)
        for _ in range(300):
            f.write(block)


# The attack of issue 11: a folder name inside the zip that closes DuckDB's string literal and
# COPYs a one-line Makefile over ours (on the old code `make diff` did, and the next `make` ran it).
ATTACK = ("' || chr(42) || chr(47) || 'events.csv', all_varchar=true, header=true); "
          "COPY (SELECT 'all: ; touch pwned' AS a) TO 'Makefile' (HEADER false); SELECT 1; --")
BAD_ZIPS = {
    "diff: missing zip": (lambda r, b: None, "no such file"),
    "diff: not a zip": (lambda r, b: r.write_bytes(b"name,value\n"), "not a zip file"),
    "diff: member with ..": (lambda r, b: r.write_bytes(release_zip(b, extra=[(zipfile.ZipInfo("aq-is-conflict-0.0.1/../../x"), b"x")])), "not a plain relative path"),
    "diff: absolute member": (lambda r, b: r.write_bytes(release_zip(b, extra=[(zipfile.ZipInfo("/tmp/aq-x"), b"x")])), "not a plain relative path"),
    "diff: link member": (lambda r, b: r.write_bytes(release_zip(b, extra=[link_member("aq-is-conflict-0.0.1/events.txt", "/etc/passwd")])), "is a link"),
    "diff: zip bomb": (bomb, "unpacks to more than"),
    "diff: SQL in a member name": (lambda r, b: r.write_bytes(release_zip(b, top=ATTACK)), "refused"),
}


@pytest.mark.parametrize("fault", sorted(BAD_ZIPS))
def test_make_diff_checks_a_zip_before_using_it(fault, tiny_build, tmp_path):
    root = copy_of(tiny_build, tmp_path)
    zip_path = tmp_path / "from.zip"
    write, problem = BAD_ZIPS[fault]
    write(zip_path, root / "build")
    makefile, before = (root / "Makefile").read_bytes(), project_files(root)
    out = make(root, "diff", f"FROM={zip_path}")
    assert_one_clear_failure(out, str(zip_path), problem)
    assert (root / "Makefile").read_bytes() == makefile and project_files(root) == before
    assert not (root / "pwned").exists() and not Path("/tmp/aq-x").exists()
    assert published(root / "build") == tiny_build[1]
    assert make(root).returncode == 0 and not (root / "pwned").exists()


@pytest.mark.parametrize("value", ["HEAD; touch pwned", "`touch pwned`", "$(shell touch pwned)", "--output=Makefile", "x' ; touch pwned; '"])
def test_make_diff_runs_nothing_from_the_command_line(value, tiny_build, tmp_path):
    root = copy_of(tiny_build, tmp_path)
    makefile = (root / "Makefile").read_bytes()
    out = make(root, "diff", f"FROM={value}")
    assert_one_clear_failure(out, "Fix:")
    assert not (root / "pwned").exists() and (root / "Makefile").read_bytes() == makefile
    assert published(root / "build") == tiny_build[1]


def test_make_diff_of_a_release_zip_still_works(tiny_build, tmp_path):
    root = copy_of(tiny_build, tmp_path)
    (tmp_path / "same.zip").write_bytes(release_zip(root / "build"))
    before = project_files(root)
    out = make(root, "diff", f"FROM={tmp_path / 'same.zip'}")
    assert out.returncode == 0, out.stderr
    assert "No changes." in out.stdout and project_files(root) == before  # unpacked in a temporary folder only


def test_no_name_from_a_package_reaches_sql(tmp_path):
    """row_diff on its own, fed the attack as a folder name and a column name: it compares, and
    writes nothing."""
    from pipeline import diff
    old, new = tmp_path / ATTACK, tmp_path / "new"
    for folder in (old, new):
        folder.mkdir()
    evil_column = "b\" FROM o; COPY (SELECT 1) TO 'pwned.csv'; SELECT \"b"
    (old / "t.csv").write_text(f'id,"{evil_column.replace(chr(34), chr(34) * 2)}"\n1,x\n2,y\n')
    (new / "t.csv").write_text(f'id,"{evil_column.replace(chr(34), chr(34) * 2)}"\n1,x\n3,y\n')
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        rows = diff.row_diff(old / "t.csv", new / "t.csv", ["id"])
    finally:
        os.chdir(cwd)
    assert rows == {"added": ["3"], "removed": ["2"], "changed": []}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([ATTACK, "new"])


def test_no_value_from_a_file_or_the_command_line_reaches_a_shell(tiny_build, tmp_path):
    root = copy_of(tiny_build, tmp_path)
    for value in ("`touch pwned`tiny", "tiny'; touch pwned; '"):
        out = make(root, "candidates", f"SOURCE={value}")
        assert out.returncode != 0 and not (root / "pwned").exists(), value
    manifest = root / "raw" / "sources.yaml"
    manifest.write_text(manifest.read_text().replace("source_id: tiny", "source_id: tiny;id>pwned"))
    out = make(root, env={"JOBS": "1"})
    assert out.returncode != 0 and "Traceback" not in out.stderr and not (root / "pwned").exists()
    assert published(root / "build") == tiny_build[1]


# ------------------------------------------------------------------ stages publish as a whole

@pytest.fixture
def renamed_clean(tmp_path_factory):
    """A clean build of the fixture with one title changed: what any interrupted build must end at
    (one test uses it: made for that test, the file's tests can run on any worker)."""
    root = tmp_path_factory.mktemp("renamed") / "repo"
    make_project(INPUTS, root)
    edit_title(root)
    out = make(root)
    assert out.returncode == 0, out.stderr
    return published(root / "build")


def edit_title(root):
    """A new title and a new version: every published file but datasette's metadata changes, so a
    file left over from the previous build shows."""
    sheet, pyproject = root / SHEET, root / "pyproject.toml"
    sheet.write_text(sheet.read_text().replace("title: Battle of Testville", "title: Battle of Testville (renamed)"))
    pyproject.write_text(pyproject.read_text().replace('\nversion = "', '\nversion = "9', 1))


def test_a_stage_killed_while_writing_publishes_nothing_of_it(tiny_build, renamed_clean, tmp_path):
    """Kill each stage in turn (SIGKILL through AQ_CRASH_AT) after its first output file: build/
    stays the old build each time, and the next `make` gives the clean build, with no temporary
    file left behind (docs and site used to write their Make target first: a mix was published)."""
    root = copy_of(tiny_build, tmp_path)
    edit_title(root)
    for point in ("package:writing", "validate:writing", "sqlite:writing", "site:writing", "docs:writing"):
        crashed = make(root, env={"AQ_CRASH_AT": point, "JOBS": "1"})
        assert crashed.returncode != 0 and "Killed" in crashed.stderr, (point, crashed.stderr)
        assert published(root / "build") == tiny_build[1], point
    out = make(root)
    assert out.returncode == 0, out.stderr
    assert published(root / "build") == renamed_clean
    leftovers = [p for p in (root / ".work").rglob(".*") if p.name != ".lock"]
    assert not leftovers, leftovers


def test_make_with_nothing_changed_does_nothing(tiny_build, tmp_path):
    root = copy_of(tiny_build, tmp_path)
    work = {p: p.stat().st_mtime_ns for p in (root / ".work").rglob("*")}
    out = make(root)
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
    assert {p: p.stat().st_mtime_ns for p in (root / ".work").rglob("*")} == work


@pytest.mark.parametrize("module, stages", [("site/timeline", ["site", "docs", "promote"]), ("sqlite", ["sqlite", "docs", "promote"])])
def test_editing_a_stage_module_reruns_only_that_stage_and_what_follows(module, stages, tiny_build, tmp_path):
    """Each stage depends on its own module and what it imports (.work/deps.mk), not on every module."""
    root = copy_of(tiny_build, tmp_path)
    os.utime(root / "pipeline" / f"{module}.py")
    out = make(root)
    assert out.returncode == 0, out.stderr
    assert re.findall(r"-m pipeline (\w+)", out.stdout) == stages
    assert published(root / "build") == tiny_build[1]


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def touch(path):
    os.utime(path)


# An intermediate altered after its stage wrote it, then a change that makes a later stage or
# promote run: the build stops, naming the file and `make clean && make`.
ALTERED = {
    "truncated linked.json": (lambda r: truncate(r / ".work/linked.json"), ".work/linked.json"),
    "truncated linked table, package rerun": (lambda r: (truncate(r / ".work/linked/events.parquet"), touch(r / "pipeline/package.py")),
                                              ".work/linked/events.parquet"),
    "truncated package CSV, docs rerun": (lambda r: (truncate(r / ".work/package/events.csv"), touch(r / "pipeline/templates/codebook.md.j2")),
                                          ".work/package/events.csv"),
    "altered site data, docs rerun": (lambda r: ((r / ".work/site/data/meta.js").write_text("alert(1)\n"), touch(r / "pipeline/templates/codebook.md.j2")),
                                      ".work/site/data/meta.js"),
    "extra file in site, docs rerun": (lambda r: ((r / ".work/site/extra.js").write_text("alert(1)\n"), touch(r / "pipeline/templates/codebook.md.j2")),
                                       ".work/site/extra.js"),
    "truncated quality report, docs rerun": (lambda r: (truncate(r / ".work/quality.md"), touch(r / "pipeline/templates/codebook.md.j2")),
                                             ".work/quality.md"),
}


@pytest.mark.parametrize("fault", sorted(ALTERED))
def test_an_altered_intermediate_is_never_published(fault, tiny_build, tmp_path):
    root = copy_of(tiny_build, tmp_path)
    alter, name = ALTERED[fault]
    alter(root)
    out = make(root)
    assert_one_clear_failure(out, name, REBUILD)
    assert published(root / "build") == tiny_build[1]


def test_promote_publishes_only_what_the_stages_recorded(tiny_build, tmp_path):
    """promote run on its own: any file differing from its record stops it."""
    root = copy_of(tiny_build, tmp_path)
    sqlite = root / ".work/aq-is-conflict.sqlite"
    sqlite.write_bytes(sqlite.read_bytes() + b"\0")
    assert_one_clear_failure(run_stage(root, "promote"), ".work/aq-is-conflict.sqlite", REBUILD)
    assert published(root / "build") == tiny_build[1] and not (root / ".build-next").exists()


# ------------------------------------------------------------------ the lock, permissions

def test_make_clean_during_a_build_is_refused_and_the_lock_holds(tiny_build, tmp_path):
    root = copy_of(tiny_build, tmp_path)
    with open(root / ".work" / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what a running `make` holds
        clean = make(root, "clean")
        assert_one_clear_failure(clean, ".work/.lock", "a build is running")
        assert published(root / "build") == tiny_build[1] and (root / ".work/linked.json").exists()
        second = make(root)
        assert_one_clear_failure(second, ".work/.lock", "another build is running")
    assert make(root, "clean").returncode == 0
    assert not (root / "build").exists() and sorted(p.name for p in (root / ".work").iterdir()) == [".lock"]


def test_published_files_are_world_readable_whatever_the_umask(tiny_build, tmp_path):
    root = copy_of(tiny_build, tmp_path)
    edit_title(root)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1600000000"}
    out = subprocess.run(["bash", "-c", 'umask 077 && make --no-print-directory -C "$0"', str(root)], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    paths = [root / "build", *(root / "build").rglob("*")]
    unreadable = [str(p) for p in paths if not p.stat().st_mode & (stat.S_IROTH | (stat.S_IXOTH if p.is_dir() else 0))]
    assert len(paths) > 40 and not unreadable, unreadable


# ------------------------------------------------------------------ the machine fails

def test_build_replaced_by_a_file(tiny_build, tmp_path):
    root = copy_of(tiny_build, tmp_path)
    shutil.rmtree(root / "build")
    (root / "build").write_bytes(b"not a folder\n")
    assert_one_clear_failure(make(root), "build", "is not a folder")
    assert (root / "build").read_bytes() == b"not a folder\n"


def in_mount_namespace(root, script):
    """Run script (bash, with $0 = root) in a private mount namespace: its mounts vanish with it."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare to mount a file system")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode:
        pytest.skip("cannot create a mount namespace here")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1600000000", "JOBS": "1"}
    return subprocess.run(["unshare", "-m", "bash", "-c", script, str(root)], env=env, capture_output=True, text=True)


def test_build_on_a_mount_point_cannot_be_replaced(tiny_build, tmp_path):
    """build/ a mount point (here bound onto itself): the swap fails with EBUSY; one message."""
    root = copy_of(tiny_build, tmp_path)
    touch(root / ".work/docs/codebook.md")  # promote runs again, nothing else
    out = in_mount_namespace(root, 'mount --bind "$0/build" "$0/build" && make --no-print-directory -C "$0"')
    assert_one_clear_failure(out, "build", "mount point")
    assert published(root / "build") == tiny_build[1] and not (root / ".build-next").exists()


def test_a_full_disk(tiny_build, tmp_path):
    """.work/ on a 192 KiB file system: the stage that fills it names the file and the fix."""
    root = copy_of(tiny_build, tmp_path)
    out = in_mount_namespace(root, 'mount -t tmpfs -o size=192k tmpfs "$0/.work" && make --no-print-directory -C "$0"')
    error = assert_one_clear_failure(out, ".work/", "free space")
    assert os.strerror(errno.ENOSPC) in error or "full" in error
    assert published(root / "build") == tiny_build[1]
