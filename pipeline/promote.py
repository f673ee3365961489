"""Stage 7, promote: publish the validated package and the files made from it.

Everything to publish is first staged in .build-next/, each file checked against the sha256 its
stage recorded, then that folder and build/ trade places in one atomic rename. A reader, or a
crash at any instant, sees the previous build/ or the new one, never a mix of the two; a
truncated or altered intermediate is never published."""
import hashlib
import logging
import os
import shutil

from .files import PipelineError, check_file, crash_point, os_error, recorded, rel, swap
from .paths import BUILD, NEXT, WORK

log = logging.getLogger(__name__)

# What is published: (path under .work/, path under build/). The package's files go to the top;
# the rest are made from the validated package by the stages after validate.
PUBLISHED = [("package", "."), ("quality.json", "quality.json"), ("quality.md", "quality.md"),
             ("aq-is-conflict.sqlite", "aq-is-conflict.sqlite"), ("datasette-metadata.json", "datasette-metadata.json"),
             ("site", "site"), ("docs", "docs")]
# Written into build/ by `make bench`, not by the stages: kept across builds.
KEPT = ["bench.json"]
SUMS = "SHA256SUMS"


def _files(src):
    """{path under .work/: path} of a published file, or of every file in a published folder."""
    root = WORK / src
    paths = sorted(p for p in root.rglob("*") if not p.is_dir()) if root.is_dir() else [root] if root.exists() else []
    return {p.relative_to(WORK).as_posix(): p for p in paths}


def _stage(records):
    """Copy every published file into .build-next/ (copies, not links: no later write reaches
    build/), checked against its record; every recorded file must be there."""
    for i, (src, dst) in enumerate(PUBLISHED):
        files = _files(src)
        missing = sorted(n for n in records if (n == src or n.startswith(src + "/")) and n not in files)
        if missing or not files:
            raise PipelineError(rel(WORK / (missing[0] if missing else src)), 0, "missing", "run `make`: the stage that writes it runs before promote")
        for name, path in files.items():
            data = check_file(path, records.get(name))
            target = NEXT / dst / os.path.relpath(name, src) if (WORK / src).is_dir() else NEXT / dst
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            except OSError as e:
                raise os_error(e, target) from None
        if i == 0:
            crash_point("promote:staging")
    write_sums(NEXT)
    for name in KEPT:
        if (BUILD / name).is_file():
            shutil.copyfile(BUILD / name, NEXT / name)
    for path in [NEXT, *NEXT.rglob("*")]:  # for everyone to read, whatever the umask
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def write_sums(folder):
    """SHA256SUMS over every published file, in the format `sha256sum -c SHA256SUMS` checks (and a
    pooch registry reads): pinning a release pins every byte of it, Parquet files included."""
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(folder).as_posix()}"
             for p in sorted(folder.rglob("*")) if p.is_file() and p.relative_to(folder).as_posix() not in KEPT + [SUMS]]
    (folder / SUMS).write_text("\n".join(lines) + "\n", encoding="utf-8")


def promote():
    """Stage every published file in .build-next/, then swap it with build/."""
    if BUILD.is_symlink() or (BUILD.exists() and not BUILD.is_dir()):
        raise PipelineError(rel(BUILD), 0, "is not a folder (a file or a link is in its place)",
                            "move it away: build/ is a folder that only make writes; then run make again")
    records = recorded()
    try:
        if os.path.lexists(NEXT):
            shutil.rmtree(NEXT)  # left by an interrupted promote: never published, safe to drop
        NEXT.mkdir()
        _stage(records)
    except OSError as e:
        shutil.rmtree(NEXT, ignore_errors=True)
        raise os_error(e) from None
    except PipelineError:
        shutil.rmtree(NEXT, ignore_errors=True)
        raise
    crash_point("promote:staged")
    try:
        swap(NEXT, BUILD)
        crash_point("promote:swapped")
    finally:
        shutil.rmtree(NEXT, ignore_errors=True)  # the previous build, or the new one if the swap failed
    log.info("%d files -> %s", sum(1 for p in BUILD.rglob("*") if p.is_file()), rel(BUILD))
