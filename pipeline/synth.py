"""A synthetic corpus N times the real one, for `make bench`: `python -m pipeline.synth N OUT_DIR`.

Copy k (1 <= k <= N) of every real document and coding sheet gets `-x<k>` appended to its source ID, file name and record IDs (actors are shared: the same groups
appear in every copy), all years in its text and sheet shifted by the same whole number of years
(0, -4, ..., -196: a multiple of 4, so leap days stay valid, and kept within 1800-2099, the years the code stage
reads as years), and a copy tag (`q` and k in base 36) appended to words, so that copies do not
share word shingles: N near-identical copies would all count as copied from one another, which
no real corpus of distinct articles does. Words that carry meaning for the pipeline are never tagged: actor names, the
date and count words of the sheets, the candidate finder's vocabulary, abbreviations, heading and
boilerplate lines. A quote is rewritten from the very place it stands in the text, so it stays
exact, and occurs as often as before."""
import argparse
import bisect
import hashlib
import re
import shutil
import sys
from pathlib import Path

import yaml

from . import candidates, ingest, schemas
from .conventions import CONVENTIONS
from .files import PipelineError, read_yaml
from .paths import ROOT

YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")  # as pipeline.code reads years
TOKEN = re.compile(r"(?<!\w)[A-Za-z]{3,}(?!\w)")  # a word of 3+ ASCII letters
WORD = re.compile(r"[a-z]+")
# how each sheet key is rewritten (schemas/sheet.yaml synth): quote keys are verbatim passages, value
# keys words normalize reads (only their years shift), id keys record IDs and references, free keys text
QUOTE_KEYS, VALUE_KEYS, ID_KEYS, FREE_KEYS = (tuple(schemas.sheet_format()["synth"][r]) for r in ("quote", "value", "id", "free"))
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
SAMPLE_TAGS = ("q1", "qzz")


def year_shift(k):
    """Whole years added to every year of copy k: 0, -4, ..., -196, then again."""
    return -4 * ((k - 1) % 50)


def tag(k):
    """The letters appended to tagged words of copy k: q plus k in base 36 (no word the
    candidate finder looks for continues with a q)."""
    out = ""
    while k:
        k, d = divmod(k, 36)
        out = DIGITS[d] + out
    return "q" + out


def shift_years(text, shift):
    if not shift:
        return text

    def moved(m):
        year = int(m.group()) + shift
        if not 1800 <= year <= 2099:
            raise ValueError(f"year {m.group()} shifted by {shift} leaves 1800-2099")
        return str(year)
    return YEAR.sub(moved, text)


def protected_words(texts, sheets, registry):
    """(hard, soft): lowercase words never tagged (read by normalize, the candidate finder or
    sentence splitting), and words of actor names, tagged only where a line would otherwise stay
    the same in every copy."""
    hard = {"see", "also"}  # the "See also" heading marks boilerplate
    for abbreviation in ingest.ABBREVIATIONS:
        hard |= set(WORD.findall(abbreviation.lower()))
    for sheet in sheets.values():
        for record in _records(sheet):
            for key in VALUE_KEYS:
                value = record.get(key)
                for words in value.values() if isinstance(value, dict) else [value]:
                    for w in words if isinstance(words, list) else [words]:
                        if isinstance(w, str):
                            hard |= set(WORD.findall(w.lower()))
    for text in texts.values():
        for pattern in (candidates.NUMBER, candidates.CASUALTY, candidates.PLEDGE, candidates.DATE):
            for m in pattern.finditer(text):
                hard |= set(WORD.findall(m.group().lower()))
    soft = set()
    for actor in registry["actors"]:
        for alias in [actor["name"], actor["id"]] + [a["alias"] if isinstance(a, dict) else a for a in actor.get("aliases") or []]:
            soft |= set(WORD.findall(str(alias).lower()))
    return hard, soft - hard


def _records(sheet):
    for table in schemas.record_tables():
        yield from sheet.get(table) or []
    yield from sheet.get("waivers") or []


def tag_positions(text, entry, rules, hard, soft):
    """Offsets where copy tags go, (without, with) actor-name words: the end of every word that
    may carry one, outside headings."""
    headings = set(entry.get("headings") or [])
    wiki = entry.get("heading_style") == "wiki"
    plain, named, offset = [], [], 0
    for line in text.split("\n"):
        content = line.strip()
        if not ((wiki and ingest.WIKI_HEADING.match(content)) or content in headings):
            words = [m for m in TOKEN.finditer(line) if m.group().lower() not in hard]
            ordinary = [m for m in words if m.group().lower() not in soft]
            chosen = _keeping_rule(ordinary, line, rules)
            plain += [offset + m.end() for m in chosen]
            if _repeats(line, chosen):  # a line of names (an infobox list)
                chosen = _keeping_rule(words, line, rules)
            named += [offset + m.end() for m in chosen]
        offset += len(line) + 1
    return plain, named


def _keeping_rule(words, line, rules):
    """The words whose tags leave the line's boilerplate rule as it is."""
    reason = _reason(line, rules)
    if all(_reason(_tagged(line, words, mark), rules) == reason for mark in SAMPLE_TAGS):
        return words
    kept = []
    for m in words:
        if all(_reason(_tagged(line, kept + [m], mark), rules) == reason for mark in SAMPLE_TAGS):
            kept.append(m)
    return kept


def _reason(line, rules):
    content = line.strip()
    return next((r for p, r in rules if p.fullmatch(content)), "")


def _tagged(line, matches, mark):
    return mark.join(_cut(line, [m.end() for m in matches]))


def _repeats(line, chosen):
    """True when tags on the chosen words leave a share of the line's word shingles (as link
    counts them) unchanged that could make two copies count as copied from one another."""
    return _untagged_share(line, chosen) >= CONVENTIONS["independence"]["shared_fraction"] / 2


def _untagged_share(line, chosen):
    """The share of the line's word shingles (as link counts them) without a tagged word."""
    k = CONVENTIONS["independence"]["shingle_words"]
    ends = {m.end() for m in chosen}
    tagged = [m.end() in ends for m in re.finditer(r"\w+", line)]
    shingles = [any(tagged[i:i + k]) for i in range(len(tagged) - k + 1)]
    return shingles.count(False) / len(shingles) if shingles else 0.0


class Cuts:
    """A text and its passages cut where tags go; joined with a tag they make a copy."""

    def __init__(self, text, positions, passages, file):
        self.pieces = _cut(text, positions)
        self.passages = {p: self._cuts_of(text, positions, p, file) for p in passages}

    @staticmethod
    def _cuts_of(text, positions, passage, file):
        """A passage cut at its tag offsets, which must be the same wherever it occurs."""
        found, i = set(), text.find(passage)
        while i >= 0:
            lo, hi = bisect.bisect_right(positions, i), bisect.bisect_right(positions, i + len(passage))
            found.add(tuple(p - i for p in positions[lo:hi]))
            i = text.find(passage, i + 1)
        if len(found) > 1:
            raise PipelineError(file, 0, f"the passage {passage[:60]!r} would be tagged differently where it occurs",
                                "protect the words that differ (pipeline/synth.py, protected_words)")
        return _cut(passage, list(found.pop())) if found else [passage]


class Document:
    """One real document and its sheet, with the cuts that make any copy of them: copy 1 keeps
    every actor name (so each actor keeps its evidence), later copies tag names in lines of names."""

    def __init__(self, entry, text, sheet, positions):
        self.entry, self.sheet = entry, sheet
        passages = _passages(sheet) if sheet is not None else []
        self.first, self.later = (Cuts(text, p, passages, entry["file"]) for p in positions)

    def copy(self, k):
        """(manifest entry, text, sheet) of copy k."""
        suffix, mark, shift = f"-x{k}", tag(k), year_shift(k)
        cuts = self.first if k == 1 else self.later
        text = shift_years(mark.join(cuts.pieces), shift)
        entry = dict(self.entry)
        entry["source_id"] += suffix
        entry["file"] = f"{Path(entry['file']).stem}{suffix}{Path(entry['file']).suffix}"
        entry["sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        for key in FREE_KEYS:
            if isinstance(entry.get(key), str):
                entry[key] = shift_years(entry[key], shift)
        if entry.get("headings"):
            entry["headings"] = [shift_years(h, shift) for h in entry["headings"]]
        sheet = None
        if self.sheet is not None:
            sheet = _rewrite(self.sheet, lambda key, v: _value(key, v, cuts, suffix, mark, shift))
            sheet["source"] = entry["source_id"]
        return entry, text, sheet


def _value(key, value, cuts, suffix, mark, shift):
    """One string of a sheet in copy k: passages as they stand in the copy's text, IDs suffixed,
    years shifted."""
    if key in QUOTE_KEYS:
        return shift_years(mark.join(cuts.passages[value]), shift)
    if key in ID_KEYS:
        return value + suffix
    if key in VALUE_KEYS or key in FREE_KEYS:
        return shift_years(value, shift)
    return value


def _cut(text, positions):
    return [text[a:b] for a, b in zip([0] + positions, positions + [len(text)])]


def _passages(sheet):
    """Every quote and context string of a sheet."""
    out = []

    def visit(key, value):
        if key in QUOTE_KEYS:
            out.append(value)
        return value
    _rewrite(sheet, visit)
    return out


def _rewrite(value, fn, key=None):
    """A plain copy of parsed YAML with fn(key, string) applied to every string under a key."""
    if isinstance(value, dict):
        return {k: _rewrite(v, fn, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, fn, key) for v in value]
    if isinstance(value, str) and key not in ("source", "reason"):
        return fn(key, value)
    return value


def load_documents(root=ROOT):
    """The real corpus as Documents, read through the pipeline's own manifest and sheet readers."""
    entries = ingest.load_manifest()
    texts = {e["source_id"]: ingest.read_raw(e) for e in entries}
    sheets = {e["source_id"]: read_yaml(path) for e in entries
              if (path := root / "annotations" / "sources" / f"{e['source_id']}.yaml").exists()}
    hard, soft = protected_words(texts, sheets, read_yaml(root / "annotations" / "actors.yaml"))
    rules = ingest.boilerplate_rules()
    return [Document(_rewrite(e, lambda k, v: v), texts[e["source_id"]], sheets.get(e["source_id"]),
                     tag_positions(texts[e["source_id"]], e, rules, hard, soft)) for e in entries]


def _dump(data):
    return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True,
                     sort_keys=False, width=1 << 30, default_flow_style=False).encode("utf-8")


def synth(n, out, root=ROOT):
    """Write a project of n copies of the corpus into out: raw/, annotations/, schemas/, pyproject.toml."""
    if n < 1:
        raise ValueError("n must be at least 1")
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    (out / "raw").mkdir(parents=True)
    (out / "annotations" / "sources").mkdir(parents=True)
    for name in ("annotations/actors.yaml", "annotations/boilerplate.yaml", "annotations/places.yaml", "pyproject.toml"):
        shutil.copy(root / name, out / name)
    shutil.copytree(root / "schemas", out / "schemas")
    documents = load_documents(root)
    manifest = []
    for k in range(1, n + 1):
        for doc in documents:
            entry, text, sheet = doc.copy(k)
            (out / "raw" / entry["file"]).write_bytes(text.encode("utf-8"))
            if sheet is not None:
                (out / "annotations" / "sources" / f"{entry['source_id']}.yaml").write_bytes(_dump(sheet))
            manifest.append(entry)
    header = f"# Synthetic corpus: {n} copies of the real one, written by pipeline/synth.py.\n"
    (out / "raw" / "sources.yaml").write_bytes(header.encode() + _dump({"sources": manifest}))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pipeline.synth", description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="how many copies of the real corpus")
    parser.add_argument("out", type=Path, help="the project folder to write (replaced if it exists)")
    args = parser.parse_args(argv)
    try:
        synth(args.n, args.out)
    except PipelineError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
