"""Reading and writing the pipeline's files: strict YAML with line numbers, atomic writes,
and the one error type whose message names the file, the line and the fix."""
import hashlib
import json
import os
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes files private; published files are for everyone
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def crash_point(name):
    """A test hook: die here, as a killed process would, when AQ_CRASH_AT names this point."""
    if os.environ.get("AQ_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def write_json(path, obj):
    write_bytes_atomic(path, (json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n").encode("utf-8"))


def read_json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))
