"""Stage 1, ingest: check each raw file against the manifest, decode it strictly, and split it
into sections, lines and sentences with character offsets, marking boilerplate.

Offsets are Python string indexes into the decoded text, exactly as stored in raw/: a file
with a byte-order mark or CR line ends is rejected rather than normalized, because
normalizing would shift every offset."""
import logging
import re
import stat
from functools import lru_cache

import re2

from . import schemas
from .files import PipelineError, check, read_yaml, rel, sha256_file, show, write_json
from .paths import BOILERPLATE, MANIFEST, RAW, ingest_file

log = logging.getLogger(__name__)


def manifest_fields():
    """The manifest's declaration: key -> (kind or allowed values, required); see files.check.
    Enumerations come from schemas/, the one declaration of every column."""
    enum = lambda column: (tuple(schemas.enum_values("sources", column)), True)
    return {
        "source_id": ("slug", True), "file": ("file", True), "sha256": ("sha256", True), "title": ("words", True),
        "author": ("words", True), "publisher": ("words", True), "source_type": enum("source_type"), "published": ("text", True),
        "published_note": ("text", False), "url": ("text", False), "license": ("words", True),
        "reliability": enum("reliability"), "reliability_reason": ("words", True),
        "heading_style": (("wiki",), False), "headings": ("texts", False),
        "redistribution": enum("redistribution") + ("write full (openly licensed), excerpts (quotation for research) or none (no "
                                                    "words), as the document's licence allows, and say why in redistribution_reason",),
        "redistribution_reason": ("words", True, "write one sentence on the licence or terms that decide its redistribution")}


RULE_FIELDS = {"pattern": ("words", True), "reason": ("words", True)}
WIKI_HEADING = re.compile(r"^(=+)\s*(.*?)\s*\1\s*$")
ABBREVIATIONS = {"U.S", "U.K", "U.N", "p", "pp", "Mr", "Mrs", "Dr", "St", "Gen", "Jr", "vs", "e.g", "i.e", "No"}
SENTENCE_END = re.compile(r"[.!?][\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")


def load_manifest():
    """The manifest's entries, checked for keys and for file paths that stay inside raw/; read
    once per process (ingest of many sources, link and package all ask for it)."""
    return _manifest()


@lru_cache(maxsize=None)
def _manifest():
    file = rel(MANIFEST)
    entries = check(read_yaml(MANIFEST) or {}, {"sources": ("list", True)}, file, "manifest")["sources"]
    checked, ids, files, fields = [], {}, {}, manifest_fields()
    for entry in entries:
        entry = check(entry, fields, file, "manifest entry", "source_id")
        for key, seen, what in (("source_id", ids, "source_id"), ("file", files, "file")):
            if entry[key] in seen:
                raise PipelineError(file, entry.line_of(key), f"{what} {entry[key]!r} is listed twice (first at line {seen[entry[key]]})",
                                    "give each document one entry, with its own source_id and file")
            seen[entry[key]] = entry.line_of(key)
        raw_path(entry)
        checked.append(entry)
    return checked


def raw_path(entry):
    """The file's path, refused unless it is a plain file name inside raw/ (no ../, no absolute
    path, no symbolic link, no hard link that may share its bytes with a file elsewhere)."""
    name = entry["file"]
    path = RAW / name
    fix = "copy the document into raw/ as a regular file (not a link) and give its bare file name"
    try:
        st = path.lstat()
    except FileNotFoundError:
        return path  # read_raw says it is missing
    except OSError as e:
        raise PipelineError(rel(MANIFEST), entry.line_of("file"), f"file {name!r} cannot be read ({e.strerror})", fix)
    if not stat.S_ISREG(st.st_mode) or path.resolve().parent != RAW.resolve():
        raise PipelineError(rel(MANIFEST), entry.line_of("file"), f"file {name!r} is not a plain file inside raw/", fix)
    if st.st_nlink > 1:
        raise PipelineError(rel(MANIFEST), entry.line_of("file"), f"file {name!r} has {st.st_nlink} hard links: its bytes may be "
                            "a file outside raw/", "replace the link by a copy (cp --remove-destination, or delete and copy)")
    return path


def manifest_entry(source_id):
    entry = _by_id().get(source_id)
    if entry is not None:
        return entry
    raise PipelineError(rel(MANIFEST), 0, f"no source {show(source_id, 100)}", "add an entry for it or rename the coding sheet")


@lru_cache(maxsize=None)
def _by_id():
    return {e["source_id"]: e for e in load_manifest()}


def read_raw(entry):
    """The decoded text of a raw file, after the sha256, UTF-8, BOM and line-end checks."""
    path = raw_path(entry)
    if not path.is_file():
        raise PipelineError(rel(path), 0, "the raw file is missing", "restore it from the source (raw/ is never edited)")
    data = path.read_bytes()
    if not data:
        raise PipelineError(rel(path), 0, "the raw file is empty", "restore the document's text")
    actual = sha256_file(path)
    if actual != entry["sha256"]:
        raise PipelineError(rel(path), 0, f"sha256 is {actual}, the manifest says {entry['sha256']}",
                            "restore the original file; if the source really changed, add it as a new version with its own entry")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise PipelineError(rel(path), line, f"not valid UTF-8 at byte {e.start}", "save the document as UTF-8")
    if text.startswith("\ufeff"):
        raise PipelineError(rel(path), 1, "the file starts with a byte-order mark", "save it as UTF-8 without BOM (offsets would shift)")
    if "\r" in text:
        line = text[:text.index("\r")].count("\n") + 1
        raise PipelineError(rel(path), line, "CR line ends", "save it with LF line ends (offsets would shift)")
    return text


@lru_cache(maxsize=None)
def boilerplate_rules():
    """(pattern, reason) of each rule. Patterns come from data, so they run on RE2, whose time is
    linear in the line: no pattern can hang ingest by backtracking."""
    file = rel(BOILERPLATE)
    rules = check(read_yaml(BOILERPLATE) or {}, {"rules": ("list", True)}, file, "rules file")["rules"]
    options = re2.Options()
    options.log_errors = False
    out = []
    for rule in rules:
        rule = check(rule, RULE_FIELDS, file, "boilerplate rule")
        try:
            out.append((re2.compile(rule["pattern"], options), rule["reason"]))
        except re2.error as e:
            problem = e.args[0].decode("utf-8", "replace") if e.args and isinstance(e.args[0], bytes) else str(e)
            raise PipelineError(file, rule.line_of("pattern"), f"bad pattern {show(rule['pattern'], 100)}: {problem}",
                                "fix the regular expression (RE2 syntax: no backreferences or lookaround)")
    return out


def split_sentences(text, start, end):
    """(start, end) of each sentence of text[start:end], ending at ., ! or ? before a capital."""
    spans, begin = [], start
    for m in SENTENCE_END.finditer(text, start, end):
        word = re.search(r"(\S+)$", text[begin:m.start()])
        if word and word.group(1).lstrip("(") in ABBREVIATIONS:
            continue
        stop = m.end() - len(m.group()) + len(m.group().rstrip())
        spans.append((begin, stop))
        begin = m.end()
    if text[begin:end].strip():
        spans.append((begin, end))
    return spans


def segment(text, entry, rules):
    """Lines with their section path and boilerplate reason, and sentences within lines."""
    headings = set(entry.get("headings") or [])
    wiki = entry.get("heading_style") == "wiki"
    stack, lines, sentences = [], [], []
    stripped_counts = {}
    for raw_line in text.split("\n"):
        key = raw_line.strip()
        stripped_counts[key] = stripped_counts.get(key, 0) + 1
    offset = 0
    for raw_line in text.split("\n"):
        start, end = offset, offset + len(raw_line)
        offset = end + 1
        content = raw_line.strip()
        if not content:
            continue
        m = WIKI_HEADING.match(content) if wiki else None
        level = len(m.group(1)) if m else (2 if content in headings else 0)
        if level:
            title = m.group(2) if m else content
            stack = [s for s in stack if s[0] < level] + [(level, title)]
            lines.append({"start": start, "end": end, "heading": True, "section": _path(stack), "boilerplate": "heading"})
            continue
        section = _path(stack)
        reason = next((r for p, r in rules if p.fullmatch(content)), "")
        if not reason and stripped_counts[content] > 1:
            reason = "repeated line (caption)"
        if not reason and stack and stack[-1][1].lower() == "see also":
            reason = "see also list"
        lead = len(raw_line) - len(raw_line.lstrip())
        lines.append({"start": start + lead, "end": end - (len(raw_line) - len(raw_line.rstrip())),
                      "heading": False, "section": section, "boilerplate": reason})
        for s, e in split_sentences(text, start + lead, lines[-1]["end"]):
            sentences.append({"start": s, "end": e, "section": section, "boilerplate": reason})
    return lines, sentences


def _path(stack):
    """Heading path below the document title (level 1 is the title itself)."""
    return " > ".join(title for level, title in stack if level > 1)


def ingest(source_id):
    entry = manifest_entry(source_id)
    text = read_raw(entry)
    lines, sentences = segment(text, entry, boilerplate_rules())
    write_json(ingest_file(source_id), {
        "source_id": source_id, "file": entry["file"], "sha256": entry["sha256"], "chars": len(text),
        "text": text, "lines": lines, "sentences": sentences})
    log.info("%d characters, %d lines, %d sentences, %d boilerplate lines", len(text), len(lines), len(sentences),
             sum(1 for ln in lines if ln["boilerplate"]))
