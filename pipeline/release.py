"""Releases that other projects can pin: `make release` zips the validated package in build/
deterministically (sorted entries, fixed timestamps and permissions), writes its sha256 and
release notes into dist/, records the commit and the zip's sha256 in releases/<version>.json,
and tags the commit v<version>. The consumer's side, `open_release`, is in pipeline/pin.py
(standard library and pandas only); it is imported here for older callers."""
import hashlib
import io
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from datetime import date
from pathlib import Path

from . import compat
from .files import PipelineError, read_json, write_bytes_atomic
from .pin import open_release  # noqa: F401 (the consumer's helper, kept importable from here)
from .promote import KEPT
from .files import version
from .paths import BUILD, DIST, ROOT

log = logging.getLogger(__name__)

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: no wall clock in the bytes


def _git(*args):
    out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise PipelineError("(git)", 0, f"`git {args[0]}` failed: {' '.join(out.stderr.split())[:300]}",
                            "run make release in a git checkout of the project, on a commit")
    return out.stdout.strip()


def checked_version():
    """The version, refused unless MAJOR.MINOR.PATCH: it names the zip, its folder and the tag."""
    v = version()
    if not re.fullmatch(r"\d+\.\d+\.\d+", str(v)):
        raise PipelineError("pyproject.toml", 0, f"version {str(v)[:40]!r} is not MAJOR.MINOR.PATCH", 'write e.g. version = "1.2.0"')
    return v


def zip_bytes(build_dir, v=None):
    """The published files of build_dir as a zip whose bytes depend only on their content."""
    v = v or version()
    files = sorted(p for p in build_dir.rglob("*") if p.is_file() and p.relative_to(build_dir).as_posix() not in KEPT)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for path in files:
            info = zipfile.ZipInfo(f"aq-is-conflict-{v}/{path.relative_to(build_dir).as_posix()}", ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, path.read_bytes(), compresslevel=9)
    return buf.getvalue()


def release():
    """Cut the version in pyproject.toml; at the commit a release was built from, rebuild and verify instead."""
    v = checked_version()
    name = f"aq-is-conflict-{v}"
    if _git("status", "--porcelain"):
        raise PipelineError("(working tree)", 0, "uncommitted changes", "commit or stash them: a release is built from a commit")
    record_path = compat.RELEASES / f"{v}.json"
    if record_path.exists() and "release" in read_json(record_path):
        return verify(v, name, read_json(record_path)["release"])
    if (DIST / f"{name}.zip").exists() or record_path.exists() or _git("tag", "--list", f"v{v}"):
        raise PipelineError(f"dist/{name}.zip", 0, f"version {v} is already released", "raise the version (README: version policy)")
    changelog_section(v)
    problems = compat.check()
    if problems:
        raise PipelineError("pyproject.toml", 0, "breaking changes without a MAJOR version: " + "; ".join(problems), "raise MAJOR or undo them")
    print(f"make release {v}: this makes two commits on the current branch and a tag. First 'Release {v}' "
          f"(releases/{v}.json with its schemas and IDs, CITATION.cff and .zenodo.json with version {v}), which is "
          f"built and zipped into dist/{name}.zip; then 'Release {v}: record its zip' (the commit and the zip's "
          f"sha256 in releases/{v}.json); the tag v{v} names the first.", file=sys.stderr)
    path = compat.record()
    write_citation(v, date.today().isoformat())
    _git("add", str(path), "CITATION.cff", ".zenodo.json")
    _git("commit", "-q", "-m", f"Release {v}: record its schemas and IDs, citation files")
    commit = _git("rev-parse", "HEAD")
    if subprocess.run(["make", "--no-print-directory", "all"], cwd=ROOT).returncode:  # `created` is this commit's date
        raise PipelineError("build", 0, "the build of the release commit failed (its message is above)",
                            "fix it, then run make release again (the commit recording the release stays: amend or revert it)")
    data = zip_bytes(BUILD)
    digest = hashlib.sha256(data).hexdigest()
    write_bytes_atomic(DIST / f"{name}.zip", data)
    write_bytes_atomic(DIST / f"{name}.zip.sha256", f"{digest}  {name}.zip\n".encode())
    write_bytes_atomic(DIST / f"{name}.md", release_notes(v, digest).encode("utf-8"))
    _git("tag", "-a", f"v{v}", commit, "-m", f"aq-is-conflict {v}\n\nsha256 {digest}  {name}.zip")
    snapshot = read_json(path)
    snapshot["release"] = {"commit": commit, "zip": f"{name}.zip", "sha256": digest}
    path.write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    _git("add", str(path))
    _git("commit", "-q", "-m", f"Release {v}: record its zip (sha256 {digest}, built from {commit[:12]})")
    log.info("dist/%s.zip  sha256 %s  built from %s, tagged v%s", name, digest, commit, v)


def verify(v, name, recorded):
    """At the commit a release was built from (releases/<version>.json names it; no tag needed):
    rebuild the zip and check it has the recorded sha256."""
    if _git("rev-parse", "HEAD") != recorded["commit"]:
        raise PipelineError(f"releases/{v}.json", 0, f"version {v} was released from commit {recorded['commit'][:12]}",
                            f"to reproduce it: git checkout {recorded['commit']} && make && make release; for a new release raise the version")
    digest = hashlib.sha256(zip_bytes(BUILD)).hexdigest()
    if digest != recorded["sha256"]:
        raise PipelineError(f"dist/{name}.zip", 0, f"rebuilt zip has sha256 {digest}, the release has {recorded['sha256']}",
                            "build from a clean checkout of that commit with the locked environment")
    log.info("rebuilt %s.zip matches the released sha256 %s", name, digest)


def reproduce(v):
    """From any checkout holding releases/<v>.json (main, with no tags): build the commit it names in
    a temporary worktree and check that the zip has the recorded sha256, byte for byte."""
    if not re.fullmatch(r"\d+\.\d+\.\d+", v):
        raise PipelineError("VERSION", 0, f"{v[:40]!r} is not MAJOR.MINOR.PATCH", "give a released version, e.g. VERSION=1.0.0")
    path = compat.RELEASES / f"{v}.json"
    if not path.is_file() or "release" not in read_json(path):
        raise PipelineError(f"releases/{v}.json", 0, f"no release {v} is recorded", "give a version listed in releases/")
    recorded = read_json(path)["release"]
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        _git("worktree", "add", "--detach", str(tree), recorded["commit"])
        try:
            if (tree / "requirements.lock").read_bytes() == (ROOT / "requirements.lock").read_bytes() and (ROOT / ".venv").is_dir() \
                    and not os.path.lexists(tree / ".venv"):
                (tree / ".venv").symlink_to((ROOT / ".venv").resolve())  # the same locked environment: not installed twice
                for lock in tree.glob("requirements*.lock"):  # their checkout is newer than the environment's stamp
                    os.utime(lock, (0, 0))
            env = {k: val for k, val in os.environ.items() if k not in ("AQ_ROOT", "SOURCE_DATE_EPOCH", "MAKEFLAGS", "MAKELEVEL")}
            if subprocess.run(["make", "--no-print-directory", "-C", str(tree), "all"], env=env).returncode:
                raise PipelineError(f"releases/{v}.json", 0, f"the build of commit {recorded['commit'][:12]} failed (its message is above)",
                                    "build that commit by hand to see why")
            digest = hashlib.sha256(zip_bytes(tree / "build", v)).hexdigest()
        finally:
            _git("worktree", "remove", "--force", str(tree))
    if digest != recorded["sha256"]:
        raise PipelineError(f"releases/{v}.json", 0, f"the rebuilt zip has sha256 {digest}, the release has {recorded['sha256']}",
                            "build on a machine with the locked environment (make venv), from a clean clone")
    print(f"reproduced {recorded['zip']}: sha256 {digest}, built from {recorded['commit']}")


def changelog_section(v):
    """The CHANGELOG.md section of a version; a release without one is refused."""
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    match = re.search(rf"^## \[?{re.escape(v)}\]?\b.*?$(.*?)(?=^## |\Z)", changelog, re.M | re.S)
    if not match or not match.group(1).strip():
        raise PipelineError("CHANGELOG.md", 0, f"no entry for version {v}",
                            f"add a `## {v}` section saying what changed (move the Unreleased notes under it), commit, and release again")
    return match.group(1)


def write_citation(v, released):
    """CITATION.cff (GitHub, Zotero) and .zenodo.json (Zenodo, which then ignores the CFF) for a
    release: the version and date are written here, never by hand."""
    d = read_json(BUILD / "datapackage.json")
    authors = [c["title"] for c in d["contributors"]]
    cff = ["cff-version: 1.2.0", 'message: "If you use this dataset, please cite it as below, with the version you used."',
           f"title: {json.dumps(d['title'] + ' (' + d['name'] + ')', ensure_ascii=False)}", "type: dataset", "authors:",
           *[f"  - name: {json.dumps(a, ensure_ascii=False)}" for a in authors],
           f"version: {v}", f"date-released: {released}", "license: CC-BY-SA-4.0", "abstract: >-",
           f"  {d['description']}",
           "keywords: [al-Qaeda, Islamic State, conflict data, bay'ah, Frictionless Data Package]"]
    write_bytes_atomic(ROOT / "CITATION.cff", ("\n".join(cff) + "\n").encode("utf-8"))
    zenodo = {"upload_type": "dataset", "title": d["title"], "version": v, "publication_date": released,
              "description": d["description"], "creators": [{"name": a} for a in authors], "license": "cc-by-sa-4.0",
              "keywords": ["al-Qaeda", "Islamic State", "conflict data", "bay'ah", "Frictionless Data Package"]}
    write_bytes_atomic(ROOT / ".zenodo.json", (json.dumps(zenodo, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def release_notes(v, digest):
    return f"# aq-is-conflict {v}\n\nsha256 of aq-is-conflict-{v}.zip: `{digest}`\n{changelog_section(v)}"
