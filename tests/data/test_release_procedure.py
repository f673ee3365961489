"""`make release` end to end, on a git repository of the tiny fixture: it says it commits, makes
the release commit (record, CITATION.cff, .zenodo.json) and a second one recording the commit
and the zip's sha256; a checkout of that commit reproduces the zip byte for byte without tags;
a version with no changelog entry is refused."""
import hashlib
import json
import os
import shutil
import subprocess

import pytest

from conftest import REPO, make, make_project

pytestmark = pytest.mark.data

FIXTURE = REPO / "tests" / "fixtures" / "tiny"


def git(root, *args):
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=root,
                          capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = tmp_path_factory.mktemp("release") / "repo"
    make_project([FIXTURE / "raw", FIXTURE / "annotations", REPO / "schemas", REPO / "pyproject.toml", REPO / ".gitignore"], root)
    version = subprocess.run(["grep", "-m1", "^version", str(root / "pyproject.toml")], capture_output=True, text=True).stdout.split('"')[1]
    (root / "CHANGELOG.md").write_text(f"# Changelog\n\n## {version}\n- The first release of the fixture.\n")
    with open(root / ".gitignore", "a") as f:
        f.write(".venv\n")  # here a link to our environment, not a folder
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "fixture")
    out = subprocess.run(["make", "--no-print-directory", "-C", str(root), "release"], capture_output=True, text=True,
                         env={k: v for k, v in os.environ.items() if k not in ("AQ_ROOT", "SOURCE_DATE_EPOCH")})
    assert out.returncode == 0, out.stderr[-3000:]
    return root, version, out


def test_make_release_says_it_commits_and_records_commit_and_sha256(released):
    root, version, out = released
    assert "this makes two commits" in out.stderr
    record = json.loads((root / "releases" / f"{version}.json").read_text())["release"]
    zip_path = root / "dist" / record["zip"]
    assert hashlib.sha256(zip_path.read_bytes()).hexdigest() == record["sha256"]
    assert git(root, "rev-list", "-n", "1", f"v{version}") == record["commit"]
    assert git(root, "log", "-1", "--format=%P") == record["commit"]  # the record commit follows the release commit
    assert git(root, "status", "--porcelain") == ""


def test_the_release_commit_carries_the_citation_files_with_its_version(released):
    root, version, _ = released
    cff = git(root, "show", f"v{version}:CITATION.cff")
    assert f"version: {version}" in cff and "date-released: " in cff
    zenodo = json.loads(git(root, "show", f"v{version}:.zenodo.json"))
    assert (zenodo["upload_type"], zenodo["version"]) == ("dataset", version)


def test_a_clone_of_main_reproduces_the_zip_without_tags(released, tmp_path):
    """`make reproduce VERSION=<v>` in a clone without tags builds the recorded commit aside and
    finds the recorded sha256."""
    root, version, _ = released
    record = json.loads((root / "releases" / f"{version}.json").read_text())["release"]
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--no-tags", str(root), str(clone)], check=True)
    assert git(clone, "tag") == ""
    if not (clone / ".venv").exists():
        (clone / ".venv").symlink_to(REPO / ".venv")
    for name in ("requirements.lock", "requirements-uv.lock"):
        shutil.copy2(root / name, clone / name)  # the same bytes; keeps their dates so make does not reinstall
    out = make(clone, "reproduce", f"VERSION={version}")
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"sha256 {record['sha256']}, built from {record['commit']}" in out.stdout


def test_a_version_without_a_changelog_entry_is_refused(released):
    root, version, _ = released
    text = (root / "pyproject.toml").read_text()
    major, minor, patch = version.split(".")
    (root / "pyproject.toml").write_text(text.replace(f'version = "{version}"', f'version = "{major}.{int(minor) + 1}.0"'))
    git(root, "commit", "-q", "-am", "next version")
    out = make(root, "release")
    assert out.returncode != 0
    assert f"CHANGELOG.md: no entry for version {major}.{int(minor) + 1}.0" in out.stderr
