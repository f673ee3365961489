"""Reading and writing the pipeline's files: strict YAML with line numbers, atomic writes,
and the one error type whose message names the file, the line and the fix."""
import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import tempfile
from pathlib import Path

import yaml

from .paths import BUILD, HASHES, PYPROJECT, ROOT, WORK  # BUILD, ROOT and WORK also reach callers of files

REBUILD = "run `make clean && make` to rebuild the intermediates"


MESSAGE_CAP = 1800  # one message stays readable (and under 2,000 characters) whatever a value holds


class PipelineError(Exception):
    """A problem in the inputs that a person must fix; printed as `file:line: problem. Fix: ...`."""

    def __init__(self, file, line, problem, fix):
        where = f"{file}:{line}" if line else f"{file}"
        problem, fix = _cut(str(problem), MESSAGE_CAP // 2), _cut(str(fix), MESSAGE_CAP // 4)
        super().__init__(f"{_cut(where, 200)}: {problem}. Fix: {fix}")


def _cut(text, limit):
    return text if len(text) <= limit else text[:limit] + f"... ({len(text) - limit} more characters)"


def show(value, limit=200):
    """A value for a message: its repr, cut to `limit` characters."""
    return _cut(repr(value), limit)


class Mapping(dict):
    """A YAML mapping that remembers the line it starts on and the line of each key (1-based)."""
    line = 0
    lines = {}

    def line_of(self, key):
        """The line of a key, else the mapping's own line: messages point at the offending field."""
        return self.lines.get(key, self.line)


class Sequence(list):
    """A YAML sequence that remembers the line it starts on and the line of each item."""
    line = 0
    lines = []

    def line_of(self, i):
        return self.lines[i] if 0 <= i < len(self.lines) else self.line


def line_of(container, key, default=0):
    """The line of a key or item of a loaded mapping or sequence (default for anything else)."""
    return container.line_of(key) if isinstance(container, (Mapping, Sequence)) else default


# Every scalar is read as the text the coder wrote: no implicit booleans (`No`), numbers (`1920`),
# dates (`2016-08-30`) or nulls. A field that is not text says so in its declaration (`check`).
# No tags; aliases count as what they repeat, with a cap (an alias bomb); a cap on nesting:
# libyaml's own recursion crashes on structures nested about 100,000 deep, so the tree is built
# here from its events (the parser is libyaml's when PyYAML has it).
MAX_DEPTH = 64
MAX_VALUES = 1_000_000
MAX_BYTES = 64 << 20
try:
    from yaml.cyaml import CParser as _Parser
except ImportError:  # PyYAML without libyaml: the same events, three times slower
    from yaml.loader import Loader as _Parser


def _yaml_error(file, mark, problem, fix="correct the YAML at that line (plain YAML only, no tags)"):
    return PipelineError(file, mark.line + 1 if mark else 0, f"invalid YAML: {problem}", fix)


def _parse(text, file):
    """The one document of a YAML text as Mapping, Sequence and str (None when empty). Events are
    told apart by their exact class, most frequent first (a scalar): about 1.6 million events make
    the sheets of a corpus 100 times ours."""
    ev = yaml.events
    scalar, alias, mapping, sequence = ev.ScalarEvent, ev.AliasEvent, ev.MappingStartEvent, ev.SequenceStartEvent
    ends, skipped = (ev.MappingEndEvent, ev.SequenceEndEvent), (ev.DocumentEndEvent, ev.StreamStartEvent)
    get_event = _Parser(text).get_event
    # stack: [container, pending key, its line, anchor, values inside]; anchors: name -> (value, values inside)
    stack, root, documents, anchors, total = [], None, 0, {}, 0
    try:
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar:
                if event.tag not in (None, "!"):
                    raise _yaml_error(file, event.start_mark, f"tag {show(event.tag, 60)} is not allowed", "remove the tag: plain YAML only")
                value, size = event.value, 1
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
            elif kind in ends:
                value, _, _, anchor, size = stack.pop()
                if anchor:
                    anchors[anchor] = (value, size + 1)
                if stack:
                    stack[-1][4] += size + 1
                continue
            elif kind is mapping or kind is sequence:
                mark = event.start_mark
                if event.tag not in (None, "!"):
                    raise _yaml_error(file, mark, f"tag {show(event.tag, 60)} is not allowed", "remove the tag: plain YAML only")
                if len(stack) >= MAX_DEPTH:
                    raise _yaml_error(file, mark, f"nested more than {MAX_DEPTH} levels deep",
                                      "flatten the structure: records are a few levels deep")
                value = Mapping() if kind is mapping else Sequence()
                value.line, value.lines = mark.line + 1, ({} if kind is mapping else [])
                root = _attach(stack, value, mark, file, root)
                stack.append([value, None, 0, event.anchor, 0])
                continue
            elif kind is alias:
                if event.anchor not in anchors:
                    raise _yaml_error(file, event.start_mark, f"alias *{_cut(event.anchor, 60)} names no anchor before it",
                                      "define the anchor (&name value) before its first alias (*name), or write the value out")
                value, size = anchors[event.anchor]
            elif kind is ev.StreamEndEvent:
                break
            elif kind is ev.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _yaml_error(file, event.start_mark, "more than one document in the file")
                continue
            elif kind in skipped:
                continue
            else:
                raise _yaml_error(file, event.start_mark, f"unexpected {kind.__name__}")
            # an alias costs what it repeats: a few lines of aliases cannot stand for billions of values
            total += size
            if total > MAX_VALUES:
                raise _yaml_error(file, event.start_mark, f"aliases expand the file to more than {MAX_VALUES} values",
                                  "write the values out, or repeat them through fewer aliases")
            if stack:
                top = stack[-1]
                top[4] += size
                container = top[0]
                if type(container) is Sequence:
                    container.append(value)
                    container.lines.append(event.start_mark.line + 1)
                elif top[1] is not None:
                    container[top[1]] = value
                    container.lines[top[1]] = top[2]
                    top[1] = None
                else:
                    root = _attach(stack, value, event.start_mark, file, root)
            else:
                root = value
    except yaml.YAMLError as e:
        raise _yaml_error(file, getattr(e, "problem_mark", None), " ".join(str(getattr(e, "problem", None) or e).split())) from None
    return root


def _attach(stack, value, mark, file, root):
    """Put a value into the container being read (a sequence item, a key, or a key's value)."""
    if not stack:
        return value
    top = stack[-1]
    container, line = top[0], mark.line + 1
    if isinstance(container, Sequence):
        container.append(value)
        container.lines.append(line)
    elif top[1] is None:
        if not isinstance(value, str):
            raise _yaml_error(file, mark, "a mapping key must be plain text")
        if value in container:
            raise _yaml_error(file, mark, f"duplicate key {show(value, 80)} (first at line {container.lines[value]})")
        top[1], top[2] = value, line
    else:
        container[top[1]] = value
        container.lines[top[1]] = top[2]
        top[1] = None
    return root


def read_yaml(path):
    """Parse an input file strictly: every scalar is text; a fault is a PipelineError naming its line."""
    return _parse(read_input(path), rel(path))


def read_input(path):
    """The text of an input file: a regular file (not a device or a pipe that never ends) of at
    most 64 MB, in UTF-8."""
    path, fix = Path(path), "make it a readable UTF-8 file"
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise PipelineError(rel(path), 0, "not a regular file", "make it a plain file")
        if st.st_size > MAX_BYTES:
            raise PipelineError(rel(path), 0, f"the file is larger than {MAX_BYTES >> 20} MB", "split it or shorten it")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PipelineError(rel(path), 0, f"cannot read the file ({_cut(str(e), 200)})", fix) from None


def read_config(path):
    """A configuration file of the pipeline itself (schemas/, conventions.yaml), written by its
    developers with YAML's booleans and numbers: safe loader, duplicate keys refused."""
    try:
        return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_ConfigLoader)
    except yaml.YAMLError as e:
        raise _yaml_error(rel(path), getattr(e, "problem_mark", None), " ".join(str(getattr(e, "problem", None) or e).split()))


class _ConfigLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    pass


def _construct_mapping(loader, node):
    mapping = Mapping()
    mapping.line, mapping.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.MarkedYAMLError("while reading a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


_ConfigLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def version():
    """The dataset's version: the one place is pyproject.toml (MAJOR.MINOR.PATCH, checked)."""
    path = PYPROJECT
    project = read_toml(path).get("project")
    value = project.get("version") if isinstance(project, dict) else None
    if not isinstance(value, str) or not re.fullmatch(r"(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})", value):
        raise PipelineError(rel(path), 0, f"[project] version {show(value, 60)} is not MAJOR.MINOR.PATCH",
                            'write e.g. version = "1.2.0" under [project]')
    return value


def read_toml(path):
    """pyproject.toml, or one message naming its line."""
    import tomllib
    try:
        return tomllib.loads(read_input(path))
    except tomllib.TOMLDecodeError as e:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(e))) else 0
        raise PipelineError(rel(path), line, f"invalid TOML: {e}", "correct the TOML syntax at that line")


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
    """An intermediate (or report) as compact JSON: the C encoder, which an indent turns off (30 s
    of link's 150 at 100x). Published JSON goes through json_bytes."""
    data = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str) + "\n"
    write_bytes_atomic(path, data.encode("utf-8"))


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


# -- typed fields: one declaration per input file says what each key holds -------------------
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
SHA256 = re.compile(r"[0-9a-f]{64}")
KINDS = {  # kind -> (what it is, test of the loaded value, what to write instead)
    "text": ("text", lambda v: isinstance(v, str), "write it as text (quote it if it holds `: ` or starts with a symbol)"),
    "words": ("non-empty text", lambda v: isinstance(v, str) and v.strip() != "", "write it as non-empty text"),
    "slug": ("a lowercase slug", lambda v: isinstance(v, str) and SLUG.fullmatch(v), "use lowercase letters, digits and hyphens (at most 100)"),
    "file": ("a bare file name", lambda v: isinstance(v, str) and FILE_NAME.fullmatch(v), "give a bare file name of letters, digits, '.', '_' and '-'"),
    "sha256": ("a sha256", lambda v: isinstance(v, str) and SHA256.fullmatch(v), "write the 64 lowercase hex digits of `sha256sum`"),
    "bool": ("true or false", lambda v: v in ("true", "false"), "write true or false"),
    "texts": ("a list of texts", lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "write a list of texts: [a, b]"),
    "list": ("a list", lambda v: isinstance(v, list), "write a list (`- item` lines or [a, b])"),
    "words_or_map": ("text or a mapping", lambda v: (isinstance(v, str) and v.strip() != "") or isinstance(v, dict),
                     "write the source's words, or a mapping of them"),
    "map": ("a mapping", lambda v: isinstance(v, dict), "write a mapping (`key: value` lines or {key: value})"),
    "any": ("anything", lambda v: True, ""),
}


def check(record, spec, file, what, name_key=None, line=0):
    """A loaded mapping checked against its declaration {key: (kind or tuple of allowed values,
    required[, fix])}: unknown, missing or ill-typed keys are refused at their own line; booleans come
    back as bool, everything else as the text the coder wrote."""
    line = getattr(record, "line", 0) or line
    if not isinstance(record, dict):
        raise PipelineError(file, line, f"a {what} is not a mapping", f"write it as `key: value` lines with the keys {sorted(spec)}")
    unknown = [k for k in record if k not in spec]
    if unknown:
        import difflib
        close = {k: difflib.get_close_matches(k, spec, n=1) for k in unknown}
        hint = "; ".join(f"{show(k, 60)} (did you mean {v[0]!r}?)" if v else show(k, 60) for k, v in close.items())
        raise PipelineError(file, line_of(record, unknown[0], line), f"unknown key(s) in a {what}: {hint}", f"use only {sorted(spec)}")
    missing = [k for k, (_, required, *_) in spec.items() if required and k not in record]
    if missing:
        name = f" {show(record[name_key], 80)}" if name_key in record else ""
        raise PipelineError(file, line, f"{what}{name} lacks {missing}", "add the missing keys")
    out = Mapping()
    out.line, out.lines = line, getattr(record, "lines", {})
    for key, value in record.items():
        kind, fix = spec[key][0], spec[key][2:]  # an optional third item is the fix to print
        if isinstance(kind, tuple):
            if value not in kind:
                raise PipelineError(file, out.line_of(key), f"{key} {show(value)} is not one of {list(kind)}",
                                    (fix or ("use one of the listed values",))[0])
        elif not KINDS[kind][1](value):
            raise PipelineError(file, out.line_of(key), f"{key} {show(value)} is not {KINDS[kind][0]}", (fix or (KINDS[kind][2],))[0])
        out[key] = value == "true" if kind == "bool" else value
    return out
