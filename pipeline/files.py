"""Reading and writing the pipeline's files: strict YAML with line numbers, atomic writes,
and the one error type whose message names the file, the line and the fix."""
import ctypes
import errno
import hashlib
import json
import os
import shutil
import signal
import tempfile
from pathlib import Path

import yaml

# The project folder whose raw/, annotations/, schemas/ and build/ are used; tests point it at a
# fixture corpus with AQ_ROOT.
ROOT = Path(os.environ.get("AQ_ROOT") or Path(__file__).resolve().parent.parent).resolve()
# Intermediates live outside build/, so that a failed or interrupted build leaves every byte of
# build/ as it was; build/ holds only what promote published.
WORK = ROOT / ".work"
BUILD = ROOT / "build"
# What each stage wrote for publication, by sha256 (.work/hashes/<stage>.json): promote publishes
# nothing else, so a truncated or altered intermediate never reaches build/.
HASHES = WORK / "hashes"
REBUILD = "run `make clean && make` to rebuild the intermediates"


class PipelineError(Exception):
    """A problem in the inputs that a person must fix; printed as `file:line: problem. Fix: ...`."""

    def __init__(self, file, line, problem, fix):
        where = f"{file}:{line}" if line else f"{file}"
        super().__init__(f"{where}: {problem}. Fix: {fix}")


class Mapping(dict):
    """A YAML mapping that remembers the line it starts on (1-based)."""
    line = 0


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader (no python tags) that rejects duplicate keys and records line numbers."""


def _construct_mapping(loader, node):
    mapping = Mapping()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.MarkedYAMLError("while reading a mapping", node.start_mark,
                                       f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path):
    """Parse a YAML file strictly; a syntax error becomes a PipelineError naming its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PipelineError(rel(path), 0, f"cannot read the file ({e})", "make it a readable UTF-8 file")
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problem = " ".join(str(getattr(e, "problem", None) or e).split())
        raise PipelineError(rel(path), line, f"invalid YAML: {problem}",
                            "correct the YAML syntax at that line (only plain YAML is allowed, no tags)")


def rel(path):
    """Path relative to the repository, for messages."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_bytes_atomic(path, data):
    """Write via a temporary file and rename, so readers never see a half-written file."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as e:
        raise os_error(e, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes files private; published files are for everyone
        os.replace(tmp, path)
    except BaseException as e:
        os.unlink(tmp)
        if isinstance(e, OSError):
            raise os_error(e, path) from None
        raise


# what to do about a failure of the machine rather than of the inputs, by errno
OS_FIXES = {
    errno.ENOSPC: "free space on that disk, then run make again",
    errno.EDQUOT: "free space within your disk quota, then run make again",
    errno.EACCES: "make that path writable for you, then run make again",
    errno.EPERM: "make that path writable for you, then run make again",
    errno.EROFS: "build on a writable file system",
    errno.ENOTDIR: "a folder on that path is a file: move the file away, then run make again",
    errno.EBUSY: "make it a plain folder of the repository, not a mount point: unmount it, then run make again",
    errno.EXDEV: "make it a plain folder of the repository, not a mount point: unmount it, then run make again",
    errno.ENOENT: REBUILD,
}


def os_error(e, path=None):
    """An OSError (disk full, no permission, a mount point...) as one message naming the path and the fix."""
    path = path if path is not None else e.filename
    where = rel(path) if path else "(unknown path)"
    return PipelineError(where, 0, e.strerror or str(e), OS_FIXES.get(e.errno, "check that path, then run make again"))


def write_files(stage, files):
    """Write a stage's output files ({path: bytes}, the Make target last), each aside and renamed
    into place, after recording their sha256 for promote."""
    _record(stage, {path: hashlib.sha256(data).hexdigest() for path, data in files.items()})
    for i, (path, data) in enumerate(files.items()):
        write_bytes_atomic(path, data)
        if i == 0:
            crash_point(f"{stage}:writing")


def write_folder(stage, folder, files):
    """Replace a stage's output folder as a whole: its files ({name: bytes}) are written into a new
    folder beside it, recorded, then the two folders trade places in one rename, so the Make target
    inside appears together with every other file or not at all."""
    folder = Path(folder)
    try:
        for leftover in folder.parent.glob(f".{folder.name}.*"):  # from a killed run: never used
            shutil.rmtree(leftover, ignore_errors=True)
        new = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    except OSError as e:
        raise os_error(e, folder) from None
    try:
        for i, (name, data) in enumerate(files.items()):
            path = new / name
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            except OSError as e:
                raise os_error(e, folder / name) from None
            if i == 0:
                crash_point(f"{stage}:writing")
        os.chmod(new, 0o755)
        _record(stage, {folder / name: hashlib.sha256(data).hexdigest() for name, data in files.items()})
        swap(new, folder)
    finally:
        shutil.rmtree(new, ignore_errors=True)  # after the swap: the previous folder


def _record(stage, digests):
    write_json(HASHES / f"{stage}.json", {Path(p).relative_to(WORK).as_posix(): d for p, d in digests.items()})


def recorded(*stages):
    """{path under .work/: sha256} of what the stages wrote (all stages if none is named)."""
    paths = [HASHES / f"{s}.json" for s in stages] if stages else sorted(HASHES.glob("*.json"))
    return {name: digest for path in paths for name, digest in read_json(path).items()}


def check_recorded(*stages):
    """Refuse to go on from a file a stage wrote that has changed since (truncated by a crash, edited)."""
    for name, digest in recorded(*stages).items():
        check_file(WORK / name, digest)


def check_file(path, digest, data=None):
    """The bytes of path, if they are the ones recorded for it."""
    try:
        data = Path(path).read_bytes() if data is None else data
    except OSError as e:
        raise PipelineError(rel(path), 0, f"the intermediate cannot be read ({e.strerror})", REBUILD) from None
    if digest is None:
        raise PipelineError(rel(path), 0, "no stage wrote this file", REBUILD)
    if hashlib.sha256(data).hexdigest() != digest:
        raise PipelineError(rel(path), 0, "the intermediate differs from what its stage wrote (truncated or altered since)", REBUILD)
    return data


AT_FDCWD, RENAME_EXCHANGE = -100, 2


def swap(new, path):
    """Put the folder new at path in one atomic rename (renameat2 with RENAME_EXCHANGE): a reader,
    or a crash at any instant, sees the previous folder or the new one, never a mix; afterwards new
    holds the previous folder. Where the file system cannot exchange, the previous folder is
    renamed aside first (a moment with none, still never a mix)."""
    try:
        if not os.path.lexists(path):
            os.rename(new, path)
            return
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.renameat2(AT_FDCWD, os.fsencode(new), AT_FDCWD, os.fsencode(path), RENAME_EXCHANGE) == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), str(path))
        aside = Path(path).with_name(Path(path).name + ".old")
        os.rename(path, aside)
        try:
            os.rename(new, path)
        except OSError:
            os.rename(aside, path)
            raise
        os.rename(aside, new)
    except OSError as e:
        raise os_error(e, path) from None


def crash_point(name):
    """A test hook: die here, as a killed process would, when AQ_CRASH_AT names this point."""
    if os.environ.get("AQ_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def json_bytes(obj):
    return (json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n").encode("utf-8")


def write_json(path, obj):
    write_bytes_atomic(path, json_bytes(obj))


def read_json(path):
    """A JSON file; a missing, truncated or altered one stops the build with one message naming it."""
    path = Path(path)
    inside = path.resolve().is_relative_to(WORK)
    fix = REBUILD if inside else "restore the file"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PipelineError(rel(path), 0, "the file is missing", fix) from None
    except OSError as e:
        raise os_error(e, path) from None
    except UnicodeDecodeError:
        raise PipelineError(rel(path), 0, "not valid UTF-8 (truncated or altered?)", fix) from None
    except json.JSONDecodeError as e:
        raise PipelineError(rel(path), e.lineno, f"not valid JSON: {e.msg} (truncated or altered?)", fix) from None
