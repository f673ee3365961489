import fcntl
import functools
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from pipeline.promote import KEPT  # noqa: E402

TINY = REPO / "tests" / "fixtures" / "tiny"
TINY_INPUTS = [TINY / "raw", TINY / "annotations", REPO / "schemas", REPO / "pyproject.toml"]
MARKERS = ("unit", "data", "browser", "faults")
APT_LOCK = Path("/tmp/aq-is-conflict-apt.lock")


def apt_commands(packages):
    """`apt-get update` then the install of packages, each waiting for dpkg's own locks."""
    wait = ["-o", "DPkg::Lock::Timeout=600"]
    return [["apt-get", *wait, "update"], ["apt-get", *wait, "install", "-y", "--no-install-recommends", *packages]]


def run_one_at_a_time(commands, done):
    """Run apt-get commands while holding APT_LOCK, unless done() once the lock is held. Tests on
    two pytest-xdist workers (chromium, R) may install at once, and `apt-get update` fails at once
    on a lists lock another holds. Returns (command, result) of the first that failed, else None.
    An OSError (no apt-get) propagates."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with open(APT_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done():
            return None
        for command in commands:
            result = subprocess.run(command, capture_output=True, text=True, env=env)
            if result.returncode != 0:
                return command, result
    return None


def pytest_collection_modifyitems(items):
    """Each test carries exactly one of the markers of pyproject.toml (its file's pytestmark)."""
    for item in items:
        marks = [m.name for m in item.iter_markers() if m.name in MARKERS]
        if len(marks) != 1:
            raise pytest.UsageError(f"{item.nodeid}: marked {marks}. Fix: give its file one of "
                                    f"pytestmark = pytest.mark.<{'|'.join(MARKERS)}>")


SHARED_FIXTURE = re.compile(r'@pytest\.fixture\(scope="(module|session)"')


@functools.cache
def shares_a_fixture(test_file):
    """Whether a test file defines a fixture made once for its module or the session (a build, a
    server, a browser)."""
    path = REPO / test_file
    return path.is_file() and bool(SHARED_FIXTURE.search(path.read_text(encoding="utf-8")))


def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist (`make test` runs two workers), the tests of a file that defines a shared
    fixture run on one worker, so the fixture is made once; every other test goes wherever a
    worker is free (tiny_build, the conftest's, is made once for all workers: built_once). xdist's own
    --dist loadgroup cannot do this under pytest 9.2: it renames a test by an attribute pytest no
    longer reads, so the groups are lost and each worker made each module's build."""
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return work_unit(nodeid)

    return SharedFixtureScheduling(config, log)


def work_unit(nodeid):
    """The tests sent to one worker together: a whole file if it shares a fixture, else one test."""
    test_file = nodeid.split("::", 1)[0]
    return test_file if shares_a_fixture(test_file) else nodeid


def built_once(config, tmp_path_factory, name, build):
    """A folder that build(folder) fills once for the whole test run. Each pytest-xdist worker has
    its own session, so each would build its own: the first worker to ask builds it under a lock,
    and the others wait for it and use it."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        folder = tmp_path_factory.mktemp(name)
        build(folder)
        return folder
    folder = tmp_path_factory.getbasetemp().parent / f"{name}-{workerinput['testrunuid']}"
    done = folder.with_name(folder.name + ".built")
    with open(folder.with_name(folder.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def tiny_build(request, tmp_path_factory):
    """The tiny fixture built once for the whole test run with `make`: (root, its published
    files). Tests never change root: they work on copy_of(tiny_build, tmp_path). Each worker
    checks at the end of its session that build/ is still what was built."""
    root = built_once(request.config, tmp_path_factory, "tiny", lambda folder: build_copy(TINY_INPUTS, folder / "repo", 1600000000)) / "repo"
    files = published(root / "build")
    yield root, files
    assert published(root / "build") == files, "a test changed the shared fixture build"


INPUT_NAMES = ("raw", "annotations", "schemas", "pyproject.toml")  # the names of TINY_INPUTS
SHEET = "annotations/sources/tiny.yaml"


def add_source(root, source_id):
    """Another document (a copy of tiny.txt) in the manifest, and its coding sheet."""
    shutil.copy(root / "raw/tiny.txt", root / f"raw/{source_id}.txt")
    manifest = root / "raw/sources.yaml"
    text = manifest.read_text()
    entry = text.split("sources:\n", 1)[1].split("  - source_id: tiny2")[0]
    manifest.write_text(text + entry.replace("source_id: tiny", f"source_id: {source_id}").replace("file: tiny.txt", f"file: {source_id}.txt"))
    add_sheet(root, source_id)


def add_sheet(root, source_id):
    (root / f"annotations/sources/{source_id}.yaml").write_text((root / SHEET).read_text().replace("source: tiny", f"source: {source_id}"))


@pytest.fixture(scope="session")
def three_documents_build(request, tmp_path_factory):
    """The tiny fixture with two more documents (tiny2 and tiny3, a copy of tiny; no sheet for
    tiny3), built once for the whole test run like tiny_build: (root, its published files)."""
    def build(folder):
        staging = folder / "inputs"
        staging.mkdir()
        for src in TINY_INPUTS:
            (shutil.copytree if src.is_dir() else shutil.copy)(src, staging / src.name)
        add_source(staging, "tiny2")
        add_source(staging, "tiny3")
        (staging / "annotations/sources/tiny3.yaml").unlink()
        build_copy([staging / n for n in INPUT_NAMES], folder / "repo", 1600000000)
    root = built_once(request.config, tmp_path_factory, "three", build) / "repo"
    files = published(root / "build")
    yield root, files
    assert published(root / "build") == files, "a test changed the shared fixture build"


def copy_of(build, tmp_path):
    """A copy of a built project (tiny_build or another (root, files) pair) at tmp_path/repo."""
    root = tmp_path / "repo"
    shutil.copytree(build[0], root, symlinks=True)
    return root


def build_copy(inputs, root, epoch):
    """A repository-shaped copy at root with the given inputs (raw/, annotations/, ...) in place of
    the real ones, built with `make` as a user would; returns its build/."""
    make_project(inputs, root)
    out = make(root, epoch=epoch)
    assert out.returncode == 0, out.stderr
    return root / "build"


def make_project(inputs, root):
    """Copy the inputs plus this repository's Makefile, pipeline/ and lock file into root; .venv
    is a link to ours (the lock file keeps its date, so make does not reinstall it)."""
    root.mkdir(parents=True)
    for src in inputs:
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / src.name)
    shutil.copytree(REPO / "pipeline", root / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("Makefile", "requirements.lock", "requirements-uv.lock"):
        shutil.copy2(REPO / name, root / name)
    (root / ".venv").symlink_to(REPO / ".venv")


def make(root, *targets, epoch=1600000000, env=None):
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), **(env or {})}
    env.pop("AQ_ROOT", None)
    return subprocess.run(["make", "--no-print-directory", "-C", str(root), *targets], env=env, capture_output=True, text=True)


def run_stage(root, *stage, epoch=1600000000, env=None):
    env = {**os.environ, "AQ_ROOT": str(root), "SOURCE_DATE_EPOCH": str(epoch), **(env or {})}
    return subprocess.run([sys.executable, "-m", "pipeline", *stage], cwd=REPO, env=env, capture_output=True, text=True)


def published(build_dir):
    """sha256 of every file in build/ (intermediates live in .work/, outside it) but bench.json."""
    return {str(p.relative_to(build_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(build_dir.rglob("*")) if p.is_file() and p.name not in KEPT}
