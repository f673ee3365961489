"""Stage 7, promote: publish the validated package and the files made from it.

Everything to publish is first staged in .build-next/, then that folder and build/ trade places
in one atomic rename (renameat2 with RENAME_EXCHANGE). A reader, or a crash at any instant,
sees the previous build/ or the new one, never a mix of the two."""
import ctypes
import errno
import logging
import os
import shutil

from .files import BUILD, ROOT, WORK, PipelineError, crash_point, rel

log = logging.getLogger(__name__)

NEXT = ROOT / ".build-next"
# What is published: (path under .work/, path under build/). The package's files go to the top;
# the rest are made from the validated package by the stages after validate.
PUBLISHED = [("package", "."), ("quality.json", "quality.json"), ("quality.md", "quality.md"),
             ("aq-is-conflict.sqlite", "aq-is-conflict.sqlite"), ("datasette-metadata.json", "datasette-metadata.json"),
             ("site", "site"), ("docs", "docs")]
# Written into build/ by `make bench`, not by the stages: kept across builds.
KEPT = ["bench.json"]
AT_FDCWD, RENAME_EXCHANGE = -100, 2


def _copy(src, dst):
    """Copy a file or a folder tree; copies, not hard links, so no later write can reach build/."""
    if src.is_dir():
        for path in sorted(src.rglob("*")):
            if path.is_file():
                _copy(path, dst / path.relative_to(src))
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    os.chmod(dst, 0o644)


def _exchange(a, b):
    """Swap two folders atomically; where the file system cannot, rename build/ aside first (a
    moment with no build/, still never a mix)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return
    err = ctypes.get_errno()
    if err not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        raise OSError(err, os.strerror(err), str(b))
    aside = b.with_name(b.name + ".old")
    os.rename(b, aside)
    os.rename(a, b)
    os.rename(aside, a)


def promote():
    """Stage every published file in .build-next/, then swap it with build/."""
    for src, _ in PUBLISHED:
        if not (WORK / src).exists():
            raise PipelineError(rel(WORK / src), 0, "missing", "run `make`: the stage that writes it runs before promote")
    if NEXT.exists():
        shutil.rmtree(NEXT)  # left by an interrupted promote: never published, safe to drop
    NEXT.mkdir()
    for i, (src, dst) in enumerate(PUBLISHED):
        _copy(WORK / src, NEXT / dst)
        if i == 0:
            crash_point("promote:staging")
    for name in KEPT:
        if (BUILD / name).exists():
            _copy(BUILD / name, NEXT / name)
    crash_point("promote:staged")
    if BUILD.exists():
        _exchange(NEXT, BUILD)
    else:
        os.rename(NEXT, BUILD)
    crash_point("promote:swapped")
    shutil.rmtree(NEXT, ignore_errors=True)  # the previous build
    log.info("%d files -> %s", sum(1 for p in BUILD.rglob("*") if p.is_file()), rel(BUILD))
