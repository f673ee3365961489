"""Stage 2, code: read one coding sheet (annotations/sources/<source_id>.yaml), locate every
quote in the raw text, resolve actor names, and normalize the verbatim date and count words.

A sheet says what a passage means; this stage checks that it says it about real text:
quotes must occur exactly (once, or once inside a given `context`), outside boilerplate, and
every date or count fragment must be words of the record's own quotes."""
import bisect
import difflib
import logging
import re
from datetime import date
from functools import cached_property, lru_cache

from . import actors, schemas
from .files import ROOT, WORK, PipelineError, read_json, read_yaml, rel, write_json
from .normalize import NormalizeError, no_date, parse_count, parse_date, shift_date

log = logging.getLogger(__name__)

SHEETS = ROOT / "annotations" / "sources"
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
COMMON = {"id": True, "quote": True, "note": False, "anchor": False}
KEYS = {
    "events": {"title": True, "type": True, "date": False, "location": False, "admin1": False, "country": False,
               "location_precision": False, "conflict": True, "summary": True, "claimed_by": False, "actors": True,
               "ongoing": False, "disputed": False},
    "pledges": {"pledger": True, "pledgee": True, "organization": False, "type": True, "visibility": False,
                "date": False, "responds_to": False, "event": False, "claimed_by": False, "disputed": False},
    "casualties": {"event": True, "actor": True, "inflicted_by": False, "category": True, "count": True,
                   "scope": True, "date": False, "claimed_by": False, "disputed": False, "part_of": False, "covers": False},
    "relations": {"subject": True, "relation": True, "object": True, "valid": False, "claimed_by": False, "disputed": False},
    "conflicts": {"name": True, "type": True, "parent": False, "date": False, "ongoing": False, "disputed": False},
}
ENUMS = {  # sheet key -> (table, column) whose enumeration it must use
    ("events", "type"): ("events", "event_type"), ("events", "location_precision"): ("events", "location_precision"),
    ("pledges", "type"): ("pledges", "pledge_type"), ("pledges", "visibility"): ("pledges", "visibility"),
    ("casualties", "category"): ("casualties", "category"), ("casualties", "scope"): ("casualties", "scope"),
    ("relations", "relation"): ("relations", "relation"), ("conflicts", "type"): ("conflicts", "conflict_type"),
}
COVERS = {"conflict", "sides", "actor"}  # what a casualty total may say it covers


class Sheet:
    """One coding sheet with its source's segmented text; methods raise errors naming sheet lines."""

    def __init__(self, source_id):
        self.path = SHEETS / f"{source_id}.yaml"
        self.file = rel(self.path)
        self.data = read_yaml(self.path)
        self.doc = read_json(WORK / "ingest" / f"{source_id}.json")
        self.text = self.doc["text"]
        if not isinstance(self.data, dict) or self.data.get("source") != source_id:
            self.fail(1, f"the sheet must start with `source: {source_id}`", "name the source the sheet codes")
        unknown = set(self.data) - {"source", "waivers", *KEYS}
        if unknown:
            self.fail(self.data.line, f"unknown section(s) {sorted(unknown)}", f"use only {['source', 'waivers', *KEYS]}")

    @cached_property
    def line_starts(self):
        return [ln["start"] for ln in self.doc["lines"]]

    @cached_property
    def boilerplate_lines(self):
        return [ln for ln in self.doc["lines"] if ln["boilerplate"]]

    def fail(self, line, problem, fix):
        raise PipelineError(self.file, line, problem, fix)

    # -- quotes ---------------------------------------------------------------------------
    def locate(self, quote, context, line):
        """Offsets of a quote: exact, outside boilerplate, unique or made unique by its context."""
        if not isinstance(quote, str) or not quote.strip():
            self.fail(line, "empty quote", "copy the supporting words from the source")
        hits = _find_all(self.text, quote)
        if not hits:
            self.fail(line, f"quote not found in the source: {quote[:80]!r}{self._closest(quote)}",
                      "copy the words exactly as the raw file has them (same quotes, dashes and spaces)")
        clean = [h for h in hits if not self._boilerplate(h, h + len(quote))]
        if not clean:
            self.fail(line, f"quote is inside boilerplate ({self._boilerplate(hits[0], hits[0] + len(quote))}): {quote[:60]!r}",
                      "quote the article's own text, not page furniture or repeated captions")
        if context is not None:
            spots = _find_all(self.text, context)
            if len(spots) != 1:
                self.fail(line, f"the context occurs {len(spots)} times in the source", "give a context that occurs exactly once")
            inside = [h for h in clean if spots[0] <= h and h + len(quote) <= spots[0] + len(context)]
            if len(inside) != 1:
                self.fail(line, "the quote does not occur exactly once inside its context", "give a context that contains the quote")
            clean = inside
        if len(clean) > 1:
            where = ", ".join(f"line {self.text.count(chr(10), 0, h) + 1}" for h in clean)
            self.fail(line, f"quote is ambiguous: it occurs {len(clean)} times ({where})",
                      "write it as {text: ..., context: ...} with surrounding words that occur once")
        start = clean[0]
        return {"char_start": start, "char_end": start + len(quote), "quote": quote, "section": self._section(start)}

    def _boilerplate(self, start, end):
        for ln in self.boilerplate_lines:
            if ln["start"] < end and start < ln["end"]:
                return ln["boilerplate"]
        return ""

    def _section(self, pos):
        """The section of the last line that starts at or before pos."""
        i = bisect.bisect_right(self.line_starts, pos) - 1
        return self.doc["lines"][i]["section"] if i >= 0 else ""

    def _closest(self, quote):
        sentences = [self.text[s["start"]:s["end"]] for s in self.doc["sentences"]]
        best = difflib.get_close_matches(quote, sentences, n=1, cutoff=0.6)
        return f"; closest sentence: {best[0][:100]!r}" if best else ""

    # -- values ---------------------------------------------------------------------------
    def date(self, words, evidence, line, anchor=None):
        """The date group for verbatim date words; a missing year comes from the text before them.
        Relative words ("three days later") are read against `anchor`, date words the quotes also give."""
        if words in (None, ""):
            return no_date()
        position = self._fragment(words, evidence, line, "date")
        try:
            if anchor:
                return shift_date(words, self.date(anchor, evidence, line))
            group = parse_date(words, context_year=self._year_before(position))
        except NormalizeError as e:
            self.fail(line, f"date {words!r} cannot be read: {e}", "copy just the date words (e.g. \"26 April 2019\", \"early 2020\")")
        self._check_section_years(words, group, position, line)
        return group

    def _check_section_years(self, words, group, position, line):
        """A date whose years all fall outside the years its section heading names is refused
        ("May 2019" in a section headed "All-out war (2020)"): usually a mistyped year."""
        heading = self._section(position).split(" > ")[-1]
        years = [int(y) for y in YEAR.findall(heading)]
        if not years or group["start"] is None:
            return
        low, high = min(years), 9999 if "present" in heading.lower() else max(years)
        end = group["end"] or date(9999, 12, 31)
        if end.year < low or group["start"].year > high:
            self.fail(line, f"date {words!r} ({group['edtf']}) contradicts its section {heading!r}",
                      "check the year against the source, and that the quote is the passage the date belongs to")

    def count(self, words, evidence, line):
        self._fragment(words, evidence, line, "count")
        try:
            return parse_count(words)
        except NormalizeError as e:
            self.fail(line, f"count {words!r} cannot be read: {e}", "copy just the number words (e.g. \"79\", \"over seventy\", \"50-80\")")

    def _fragment(self, words, evidence, line, what):
        """Position in the raw text of a value's words, which must stand in one of the record's quotes."""
        if not isinstance(words, str):
            self.fail(line, f"{what} {words!r} is not text", f"write the {what} as the source's words, in quotes")
        for ev in evidence:
            i = ev["quote"].find(words)
            if i >= 0:
                return ev["char_start"] + i
        self.fail(line, f"{what} words {words!r} are not in the record's quotes", f"copy the {what} exactly from the quoted passage")

    def _year_before(self, position):
        """The last year written in the same section before a position, else None (the year stays unknown)."""
        lines, i = self.doc["lines"], bisect.bisect_right(self.line_starts, position) - 1
        while i > 0 and lines[i - 1]["section"] == lines[i]["section"]:
            i -= 1
        start = lines[i]["start"] if i >= 0 else 0
        years = [m for m in YEAR.finditer(self.text, start, position)
                 if not self._boilerplate(m.start(), m.end())]
        return int(years[-1].group()) if years else None

    def actor(self, name, line):
        return actors.resolve(name, self.file, line)


def _find_all(text, needle):
    out, i = [], text.find(needle)
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


def _check_keys(sheet, table, record):
    line = getattr(record, "line", 0)
    if not isinstance(record, dict):
        sheet.fail(line, f"a record under `{table}` is not a mapping", "write each record as `- id: ...` with its keys")
    allowed = {**COMMON, **KEYS[table]}
    unknown = set(record) - set(allowed)
    if unknown:
        close = {k: difflib.get_close_matches(k, allowed, n=1) for k in unknown}
        hint = "; ".join(f"{k!r} (did you mean {v[0]!r}?)" if v else repr(k) for k, v in close.items())
        sheet.fail(line, f"unknown key(s) in a {table} record: {hint}", f"use only {sorted(allowed)}")
    missing = [k for k, req in allowed.items() if req and k not in record]
    if missing:
        sheet.fail(line, f"{table} record {record.get('id', '?')!r} lacks {missing}", "add the missing keys")
    if not isinstance(record["id"], str) or not SLUG.match(record["id"]):
        sheet.fail(line, f"id {record['id']!r} is not a lowercase slug", "use lowercase letters, digits and hyphens")
    for key in allowed:
        if (table, key) in ENUMS and key in record:
            allowed_values = _enum(table, key)
            if record[key] not in allowed_values:
                sheet.fail(line, f"{key} {record[key]!r} is not one of {allowed_values}", "use one of the listed values")
    for key in ("title", "summary", "location", "admin1", "conflict", "name", "parent", "part_of"):
        if key in record and not isinstance(record[key], str):
            sheet.fail(line, f"{key} must be text, not {type(record[key]).__name__}", "quote the value")


@lru_cache(maxsize=None)
def _enum(table, key):
    return schemas.enum_values(*ENUMS[(table, key)])


def _quotes(sheet, record, line):
    items = record["quote"] if isinstance(record["quote"], list) else [record["quote"]]
    evidence = []
    for item in items:
        if isinstance(item, dict):
            if set(item) - {"text", "context"} or "text" not in item:
                sheet.fail(getattr(item, "line", line), "a quote mapping takes `text` and `context` only", "write {text: ..., context: ...}")
            evidence.append(sheet.locate(item["text"], item.get("context"), getattr(item, "line", line)))
        else:
            evidence.append(sheet.locate(item, None, line))
    return evidence


def code_record(sheet, table, record):
    """One sheet record -> (row with contract column names, its evidence, its event_actors)."""
    line = record.line
    _check_keys(sheet, table, record)
    evidence = _quotes(sheet, record, line)
    opt = lambda key: sheet.actor(record[key], line) if record.get(key) else None
    row, event_actors = {"id": record["id"], "line": line}, []
    if table == "events":
        row.update(title=record["title"], event_type=record["type"], location=record.get("location", ""),
                   admin1=record.get("admin1", ""), country_iso3=record.get("country", ""),
                   location_precision=record.get("location_precision", "unknown"), conflict=record["conflict"],
                   summary=record["summary"], claimed_by=opt("claimed_by"))
        row.update(_group("date", sheet.date(record.get("date"), evidence, line, record.get("anchor"))))
        row["ongoing"] = row.pop("date_ongoing") or record.get("ongoing") is True
        roles = schemas.enum_values("event_actors", "role")
        if not isinstance(record["actors"], dict) or not record["actors"]:
            sheet.fail(line, "`actors` must map roles to lists of names", f"write e.g. actors: {{perpetrator: [ISIL], target: [Taliban]}} with roles {roles}")
        for role, names in record["actors"].items():
            if role not in roles:
                sheet.fail(line, f"role {role!r} is not one of {roles}", "use one of the listed roles")
            for name in names if isinstance(names, list) else [names]:
                event_actors.append({"event_id": record["id"], "actor_id": sheet.actor(name, line), "role": role})
    elif table == "pledges":
        pledgee = sheet.actor(record["pledgee"], line)
        row.update(pledger_id=sheet.actor(record["pledger"], line), pledgee_id=pledgee,
                   organization_id=opt("organization") or pledgee, pledge_type=record["type"],
                   visibility=record.get("visibility", "unknown"), responds_to=record.get("responds_to"),
                   event_id=record.get("event"), claimed_by=opt("claimed_by"))
        row.update(_group("date", sheet.date(record.get("date"), evidence, line, record.get("anchor")), drop_ongoing=True))
    elif table == "casualties":
        row.update(event_id=record["event"], actor_id=sheet.actor(record["actor"], line), inflicted_by=opt("inflicted_by"),
                   category=record["category"], scope=record["scope"], claimed_by=opt("claimed_by"))
        row.update(_group("count", sheet.count(record["count"], evidence, line)))
        row.update(part_of=record.get("part_of"), covers=_covers(sheet, record, line))
        row.update(_group("date", sheet.date(record.get("date"), evidence, line, record.get("anchor")), drop_ongoing=True))
    elif table == "relations":
        row.update(subject_id=sheet.actor(record["subject"], line), relation=record["relation"],
                   object_id=sheet.actor(record["object"], line), claimed_by=opt("claimed_by"))
        row.update(_group("valid", sheet.date(record.get("valid"), evidence, line, record.get("anchor")), drop_ongoing=True))
    elif table == "conflicts":
        row.update(name=record["name"], parent_conflict_id=record.get("parent"), conflict_type=record["type"])
        row.update(_group("date", sheet.date(record.get("date"), evidence, line, record.get("anchor"))))
        row["ongoing"] = row.pop("date_ongoing") or record.get("ongoing") is True
    if not isinstance(record.get("disputed", False), bool):
        sheet.fail(line, "disputed must be true or false", "write disputed: true")
    row["disputed"] = record.get("disputed", False)
    for ev in evidence:
        ev["source_id"] = sheet.data["source"]
    return row, evidence, event_actors


def _covers(sheet, record, line):
    """`covers: {conflict: <slug>, sides: [<name>, <name>], actor: <name>}` of a total, names resolved."""
    covers = record.get("covers")
    if covers is None:
        return {}
    if record["scope"] == "event" or not isinstance(covers, dict) or set(covers) - COVERS or not covers:
        sheet.fail(line, "`covers` belongs on aggregate and conflict_total rows and maps conflict, sides or actor",
                   "write e.g. covers: {conflict: jnim-isgs-war, sides: [JNIM, ISGS]}")
    sides = covers.get("sides")
    if sides is not None and (not isinstance(sides, list) or len(sides) != 2):
        sheet.fail(line, "covers `sides` must name the two parties of a dyad", "write sides: [JNIM, ISGS]")
    return {"conflict": covers.get("conflict"), "sides": [sheet.actor(n, line) for n in sides] if sides else None,
            "actor": sheet.actor(covers["actor"], line) if covers.get("actor") else None}


def _group(prefix, values, drop_ongoing=False):
    out = {f"{prefix}_{k}": v for k, v in values.items()}
    if drop_ongoing:
        out.pop(f"{prefix}_ongoing", None)
    return out


def code(source_id):
    """Code one sheet and write .work/coded/<source_id>.json."""
    sheet = Sheet(source_id)
    out, seen = {"source_id": source_id, "records": {t: [] for t in KEYS}, "event_actors": []}, {}
    for table in KEYS:
        records = sheet.data.get(table) or []
        if not isinstance(records, list):
            sheet.fail(sheet.data.line, f"`{table}` must be a list of records", "write each record as `- id: ...`")
        for record in records:
            row, evidence, event_actors = code_record(sheet, table, record)
            key = (table == "conflicts", row["id"])  # a conflict shares its id with its armed_conflict event
            if key in seen:
                sheet.fail(row["line"], f"record id {row['id']!r} is used twice (first at line {seen[key]})", "give each record its own id")
            seen[key] = row["line"]
            row["evidence"] = evidence
            out["records"][table].append(row)
            out["event_actors"] += event_actors
        log.debug("%s: %d records", table, len(out["records"][table]))
    out["waivers"] = [_waiver(sheet, w) for w in sheet.data.get("waivers") or []]
    write_json(WORK / "coded" / f"{source_id}.json", out)
    log.info("%s, %d waivers", ", ".join(f"{len(rows)} {table}" for table, rows in out["records"].items()), len(out["waivers"]))


def _waiver(sheet, waiver):
    """A flagged sentence the coder decided holds no codable fact, with the reason."""
    line = getattr(waiver, "line", 0)
    if not isinstance(waiver, dict) or set(waiver) - {"quote", "context", "reason"} or not {"quote", "reason"} <= set(waiver):
        sheet.fail(line, "a waiver takes `quote` (words of the flagged sentence), optional `context`, and `reason`",
                   "write - {quote: ..., reason: ...}")
    if not isinstance(waiver["reason"], str) or len(waiver["reason"].strip()) < 10:
        sheet.fail(line, "a waiver needs a reason of a few words", "say why the sentence holds nothing to code")
    return {**sheet.locate(waiver["quote"], waiver.get("context"), line), "reason": waiver["reason"]}
