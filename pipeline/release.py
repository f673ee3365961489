"""Releases that other projects can pin: `make release` zips the validated package in build/
deterministically (sorted entries, fixed timestamps and permissions), writes its sha256 and
release notes into dist/, and tags the commit v<version>. `open_release` is the consumer's
side: it checks the zip's sha256 and every resource hash before returning typed tables."""
import hashlib
import io
import json
import logging
import re
import subprocess
import zipfile
from pathlib import Path

from . import compat
from .files import BUILD, ROOT, PipelineError, write_bytes_atomic
from .promote import KEPT
from .publish import version

log = logging.getLogger(__name__)

DIST = ROOT / "dist"
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


def zip_bytes(build_dir):
    """The published files of build_dir as a zip whose bytes depend only on their content."""
    files = sorted(p for p in build_dir.rglob("*") if p.is_file() and p.relative_to(build_dir).as_posix() not in KEPT)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for path in files:
            info = zipfile.ZipInfo(f"aq-is-conflict-{version()}/{path.relative_to(build_dir).as_posix()}", ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, path.read_bytes(), compresslevel=9)
    return buf.getvalue()


def release():
    """Cut the version in pyproject.toml; at a commit already tagged with it, rebuild and verify instead."""
    v = checked_version()
    name = f"aq-is-conflict-{v}"
    if _git("status", "--porcelain"):
        raise PipelineError("(working tree)", 0, "uncommitted changes", "commit or stash them: a release is built from a commit")
    if _git("tag", "--list", f"v{v}"):
        return verify(v, name)
    if (DIST / f"{name}.zip").exists() or (compat.RELEASES / f"{v}.json").exists():
        raise PipelineError(f"dist/{name}.zip", 0, f"version {v} is already released", "raise the version (README: version policy)")
    problems = compat.check()
    if problems:
        raise PipelineError("pyproject.toml", 0, "breaking changes without a MAJOR version: " + "; ".join(problems), "raise MAJOR or undo them")
    path = compat.record()
    _git("add", str(path))
    _git("commit", "-q", "-m", f"Release {v}: record its schemas and IDs")
    if subprocess.run(["make", "--no-print-directory", "all"], cwd=ROOT).returncode:  # `created` is this commit's date
        raise PipelineError("build", 0, "the build of the release commit failed (its message is above)",
                            "fix it, then run make release again (the commit recording the release stays: amend or revert it)")
    data = zip_bytes(BUILD)
    digest = hashlib.sha256(data).hexdigest()
    write_bytes_atomic(DIST / f"{name}.zip", data)
    write_bytes_atomic(DIST / f"{name}.zip.sha256", f"{digest}  {name}.zip\n".encode())
    write_bytes_atomic(DIST / f"{name}.md", release_notes(v, digest).encode("utf-8"))
    _git("tag", "-a", f"v{v}", "-m", f"aq-is-conflict {v}\n\nsha256 {digest}  {name}.zip")
    log.info("dist/%s.zip  sha256 %s  tagged v%s", name, digest, v)


def verify(v, name):
    """At the tag: rebuild the zip and check it has the sha256 recorded in the tag."""
    if _git("rev-list", "-n", "1", f"v{v}") != _git("rev-parse", "HEAD"):
        raise PipelineError("pyproject.toml", 0, f"version {v} is already released at another commit", "raise the version")
    recorded = re.search(r"sha256 ([0-9a-f]{64})", _git("tag", "-l", "--format=%(contents)", f"v{v}")).group(1)
    digest = hashlib.sha256(zip_bytes(BUILD)).hexdigest()
    if digest != recorded:
        raise PipelineError(f"dist/{name}.zip", 0, f"rebuilt zip has sha256 {digest}, the release has {recorded}",
                            "build from a clean checkout of the tag with the locked environment")
    log.info("rebuilt %s.zip matches the released sha256 %s", name, digest)


def release_notes(v, digest):
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    section = changelog.split(f"## {v}", 1)[1].split("\n## ", 1)[0] if f"## {v}" in changelog else "\n(no changelog entry)\n"
    return f"# aq-is-conflict {v}\n\nsha256 of aq-is-conflict-{v}.zip: `{digest}`\n{section}"


def open_release(zip_path, sha256=None):
    """Typed tables (pandas DataFrames from the Parquet files) of a release zip, after checking the
    zip against `sha256` (or the .sha256 file beside it) and every resource against its hash."""
    import pandas as pd
    zip_path = Path(zip_path)
    data = zip_path.read_bytes()
    expected = sha256 or Path(f"{zip_path}.sha256").read_text().split()[0]
    if hashlib.sha256(data).hexdigest() != expected:
        raise ValueError(f"{zip_path}: sha256 does not match {expected}: the file is not the release you pinned")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = z.namelist()[0].split("/")[0]
        descriptor = json.loads(z.read(f"{root}/datapackage.json"))
        tables = {}
        for res in descriptor["resources"]:
            content = z.read(f"{root}/{res['path']}")
            if res["hash"] != "sha256:" + hashlib.sha256(content).hexdigest():
                raise ValueError(f"{zip_path}: {res['path']} does not match its hash in datapackage.json")
            if res["format"] == "parquet":
                tables[res["name"].removesuffix("-parquet")] = pd.read_parquet(io.BytesIO(content))
    return tables
