"""The candidate finder: rules that flag every sentence likely to hold a codable fact, so that
coverage can prove nothing was skipped. A flagged sentence is covered when a coded record's
quote overlaps it or the sheet waives it with a reason. `python -m pipeline candidates SOURCE`
prints a draft coding sheet of the flagged sentences no record covers yet."""
import bisect
import logging
import re
from functools import lru_cache

from . import actors
from .conventions import CONVENTIONS
from .files import read_json
from .paths import SHEETS, coded_file, ingest_file

log = logging.getLogger(__name__)

RULES = CONVENTIONS["candidates"]
NUMBER = re.compile(r"(?i)\b(?:\d[\d,]*\+?|" + "|".join(RULES["number_words"]) + r")\b")
CASUALTY = re.compile(r"(?i)\b(?:" + "|".join(RULES["casualty_words"]) + r")\b")
PLEDGE = re.compile(r"(?i)(?:" + "|".join(RULES["pledge_words"]) + r")")
DATE = re.compile(r"\b(?:(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
                  r"|(?:1[89]|20)\d\d\b|(?:[Ss]pring|[Ss]ummer|[Aa]utumn|[Ww]inter)\b)")
WORD = re.compile(r"\S+")


def _near(text, a, b, window):
    """True when a match of pattern a lies within `window` words of a match of pattern b
    (matches never span a space, so each lies in one word)."""
    pb = sorted(_word_numbers(text, b))
    if not pb:
        return False
    for i in _word_numbers(text, a):
        j = bisect.bisect_left(pb, i - window)
        if j < len(pb) and pb[j] <= i + window:
            return True
    return False


def _word_numbers(text, pattern):
    """The numbers of the words (runs of non-space) that hold a match of pattern."""
    starts = [m.start() for m in WORD.finditer(text)]
    return {bisect.bisect_right(starts, m.start()) - 1 for m in pattern.finditer(text) if m.end() > m.start()}


def flag(sentence, actor_names):
    """The rules a sentence trips: casualty (a number next to a casualty word), pledge (pledge
    vocabulary), dated_actor (a date expression in a sentence naming a known actor)."""
    rules = []
    if _near(sentence, NUMBER, CASUALTY, RULES["window_words"]):
        rules.append("casualty")
    if PLEDGE.search(sentence):
        rules.append("pledge")
    if DATE.search(sentence) and actor_names.search(sentence):
        rules.append("dated_actor")
    return rules


@lru_cache(maxsize=None)
def actor_pattern():
    return actors.name_pattern([a["alias"] for a in actors.load()[2]])


def find(doc, names=None):
    """Flagged, non-boilerplate sentences of an ingested document, with their rules."""
    names = names or actor_pattern()
    out = []
    for s in doc["sentences"]:
        if s["boilerplate"]:
            continue
        rules = flag(doc["text"][s["start"]:s["end"]], names)
        if rules:
            out.append({**s, "rules": rules})
    return out


def coverage(doc, coded):
    """Each flagged sentence with how it is covered: by records, by a waiver, or not at all."""
    spans = [(e["char_start"], e["char_end"], e.get("record_id") or r["id"])
             for table in coded["records"].values() for r in table for e in r["evidence"]]
    waivers = [(w["char_start"], w["char_end"], w["reason"]) for w in coded.get("waivers", [])]
    result = []
    for s in find(doc):
        records = sorted({rid for a, b, rid in spans if a < s["end"] and s["start"] < b})
        reasons = [r for a, b, r in waivers if a < s["end"] and s["start"] < b]
        result.append({"char_start": s["start"], "char_end": s["end"], "section": s["section"], "rules": s["rules"],
                       "text": doc["text"][s["start"]:s["end"]], "records": records, "waived": reasons[0] if reasons else ""})
    return result


def draft(source_id):
    """A draft coding sheet (YAML text) for the flagged sentences no record or waiver covers."""
    doc = read_json(ingest_file(source_id))
    coded_path = coded_file(source_id)
    coded = read_json(coded_path) if coded_path.exists() and (SHEETS / f"{source_id}.yaml").exists() else {"records": {}}
    todo = [c for c in coverage(doc, coded) if not c["records"] and not c["waived"]]
    log.info("%d flagged sentences not yet covered by a record or a waiver", len(todo))
    lines = [f"# Draft for {source_id}: {len(todo)} flagged sentence(s) not yet covered.",
             "# Code each as records (events, pledges, casualties, relations) or waive it with a reason.",
             f"source: {source_id}", "", "waivers:"]
    for c in todo:
        lines += [f"  # [{', '.join(c['rules'])}] section: {c['section'] or '(top)'}",
                  f"  - quote: {_yaml_str(c['text'])}", "    reason: TODO"]
    return "\n".join(lines) + "\n"


def _yaml_str(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
