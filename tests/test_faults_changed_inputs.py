"""The fault catalogue, the inputs of the build: whatever set of input files changes (a sheet, a
raw file, the registry or a rule file deleted, added or renamed), `make` gives what a clean build
of the same inputs gives, byte for byte, or the same one error with build/ as it was. Each case
runs on whichever pytest-xdist worker is free: the project they change is built once for the run
(conftest.three_documents_build)."""
import csv
import hashlib
import shutil

import pytest

from conftest import INPUT_NAMES, add_sheet, copy_of, make, make_project, published
from test_faults_build import assert_one_clear_failure

pytestmark = pytest.mark.faults


def rename(root, old, new, edit=None):
    (root / old).rename(root / new)
    if edit:
        (root / new).write_text((root / new).read_text().replace(*edit))


# Each change of the set of input files, applied to a built project of three documents (tiny,
# tiny2, tiny3; no sheet for tiny3): `make` must then give what a clean build of the same inputs
# gives, byte for byte, or the same one error with build/ as it was.
CHANGES = {
    "sheet deleted": lambda r: (r / "annotations/sources/tiny2.yaml").unlink(),
    "sheet added": lambda r: ((r / "annotations/sources/tiny2.yaml").unlink(), make(r), add_sheet(r, "tiny2")),
    "sheet renamed": lambda r: rename(r, "annotations/sources/tiny2.yaml", "annotations/sources/tiny3.yaml", ("source: tiny2", "source: tiny3")),
    "raw file deleted": lambda r: (r / "raw/tiny2.txt").unlink(),
    "raw file renamed": lambda r: rename(r, "raw/tiny2.txt", "raw/tiny3.txt"),
    "registry deleted": lambda r: (r / "annotations/actors.yaml").unlink(),
    "registry renamed": lambda r: rename(r, "annotations/actors.yaml", "annotations/actors-old.yaml"),
    "rule file deleted": lambda r: (r / "annotations/boilerplate.yaml").unlink(),
    "rule file renamed": lambda r: rename(r, "annotations/boilerplate.yaml", "annotations/boilerplate-old.yaml"),
    "raw file, registry and rule file added (unread)": lambda r: [
        shutil.copy(r / src, r / dst) for src, dst in (("raw/tiny.txt", "raw/notes.txt"), ("annotations/actors.yaml", "annotations/more-actors.yaml"),
                                                        ("annotations/boilerplate.yaml", "annotations/more-rules.yaml"))],
}


CLEAN_BUILDS = {}  # digest of the inputs -> clean_build() of them


def inputs_digest(root):
    h = hashlib.sha256()
    for name in INPUT_NAMES:
        for p in sorted([root / name, *(root / name).rglob("*")]):
            if p.is_file():
                h.update(f"{p.relative_to(root)}\0".encode() + p.read_bytes() + b"\0")
    return h.hexdigest()


def clean_build(root, tmp_path):
    """A clean build of root's inputs in a new project: (returncode, its one error or None, published files)."""
    key = inputs_digest(root)
    if key not in CLEAN_BUILDS:
        CLEAN_BUILDS[key] = _clean_build(root, tmp_path)
    return CLEAN_BUILDS[key]


def _clean_build(root, tmp_path):
    staging = tmp_path / "inputs"
    staging.mkdir()
    for name in INPUT_NAMES:
        (shutil.copytree if (root / name).is_dir() else shutil.copy)(root / name, staging / name)
    clean = tmp_path / "clean"
    make_project([staging / n for n in INPUT_NAMES], clean)
    out = make(clean)
    return out.returncode, None if out.returncode == 0 else assert_one_clear_failure(out), published(clean / "build") if out.returncode == 0 else None


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_changed_set_of_inputs_builds_what_a_clean_build_does(change, three_documents_build, tmp_path):
    CLEAN_BUILDS.setdefault(inputs_digest(three_documents_build[0]), (0, None, three_documents_build[1]))
    root = copy_of(three_documents_build, tmp_path)
    CHANGES[change](root)
    after = make(root)
    returncode, error, files = clean_build(root, tmp_path)
    assert (after.returncode == 0) == (returncode == 0), (after.stderr, error)
    if returncode == 0:
        assert published(root / "build") == files
    else:
        assert assert_one_clear_failure(after) == error
        assert published(root / "build") == three_documents_build[1]
    if change == "sheet deleted":  # issue 11: the deleted sheet's records stayed published
        with open(root / "build" / "evidence.csv", newline="") as f:
            assert not [r for r in csv.DictReader(f) if r["source_id"] == "tiny2" and r["record_table"] != "actors"]


