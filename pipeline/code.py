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
from .files import PipelineError, check, line_of, read_json, read_yaml, rel, show, write_json
from .normalize import RANK, NormalizeError, first_day_edtf, no_date, parse_count, parse_date, shift_date
from .paths import SHEETS, coded_file, ingest_file

log = logging.getLogger(__name__)

YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# the record keys of a sheet, common and per section (True: required), and what each key holds
# (files.check; a key not listed is text): schemas/sheet.yaml
COMMON, KEYS, KINDS = (dict(schemas.sheet_format()[k]) for k in ("common", "records", "kinds"))
LINEAGE = ("renamed_to", "merged_into", "successor_of", "split_from")  # relations that say which group became which
MAX_COUNT = 2**53 - 1  # the largest whole number every reader (JavaScript in the site too) holds exactly
ENUMS = {  # sheet key -> (table, column) whose enumeration it must use
    ("events", "type"): ("events", "event_type"), ("events", "location_precision"): ("events", "location_precision"),
    ("pledges", "type"): ("pledges", "pledge_type"), ("pledges", "visibility"): ("pledges", "visibility"),
    ("casualties", "category"): ("casualties", "category"), ("casualties", "scope"): ("casualties", "scope"),
    ("relations", "relation"): ("relations", "relation"), ("conflicts", "type"): ("conflicts", "conflict_type"),
}
COVERS = {"conflict", "sides", "actor"}  # what a casualty total may say it covers


class Sheet:
    """One coding sheet with its source's segmented text; methods raise errors naming sheet lines."""

    def __init__(self, source_id, path=None):
        self.path = path or SHEETS / f"{source_id}.yaml"
        self.file = rel(self.path)
        self.data = read_yaml(self.path)
        self.doc = read_json(ingest_file(source_id))
        self.text = self.doc["text"]
        if not isinstance(self.data, dict) or self.data.get("source") != source_id:
            self.fail(line_of(self.data, "source", 1), f"the sheet must start with `source: {source_id}`", "name the source the sheet codes")
        unknown = [k for k in self.data if k not in {"source", "waivers", *KEYS}]
        if unknown:
            self.fail(self.data.line_of(unknown[0]), f"unknown section(s) {show(unknown)}", f"use only {['source', 'waivers', *KEYS]}")

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
            self.fail(line, f"quote not found in the source: {show(quote, 100)}{self._closest(quote)}",
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
        if isinstance(words, dict):
            return self._between(words, evidence, line)
        position = self._fragment(words, evidence, line, "date")
        try:
            if anchor == "published":
                return shift_date(words, self.published(line))
            if anchor:
                return shift_date(words, self.date(anchor, evidence, line))
            group = parse_date(words, context_year=self._year_before(position))
        except NormalizeError as e:
            self.fail(line, f"date {show(words)} cannot be read: {e}", "copy just the date words (e.g. \"26 April 2019\", \"early 2020\")")
        self._check_section_years(words, group, position, line)
        return group

    def _between(self, words, evidence, line):
        """{from: X, to: Y}: the passage puts the record between two dates its quotes give
        (after the 8 April 2013 statement, before October 2013); either end may be left open."""
        if not words or set(words) - {"from", "to"}:
            self.fail(line, "a date mapping takes `from` and/or `to`, date words of the record's quotes",
                      "write date: {from: 8 April 2013, to: October 2013}")
        ends = {k: self.date(v, evidence, line) for k, v in words.items()}
        start, end = ends.get("from"), ends.get("to")
        if any(g["start"] is None or g["end"] is None for g in ends.values()):
            self.fail(line, "both ends of a date mapping need a known year", "quote the words that give the year")
        if start and end and end["end"] < start["start"]:
            self.fail(line, "the date mapping ends before it starts", "check from and to")
        first = first_day_edtf(start) if start else ".."
        last = (end["edtf"].split("/")[-1] if end["precision"] != "season" else end["end"].isoformat()) if end else ".."
        precision = max((g["precision"] for g in ends.values()), key=RANK.get)
        return {"start": start["start"] if start else None, "end": end["end"] if end else None, "edtf": f"{first}/{last}",
                "precision": precision, "text": " – ".join(g["text"] for g in ends.values()),
                "year_inferred": any(g["year_inferred"] for g in ends.values()), "ongoing": False}

    def published(self, line):
        """The date group of the source's publication date (raw/sources.yaml), the anchor of a
        dated article's "currently" or "Monday"."""
        from .ingest import load_manifest
        entry = next(e for e in load_manifest() if e["source_id"] == self.data["source"])
        if not entry.get("published"):
            self.fail(line, "anchor: published, but the source has no publication date in raw/sources.yaml",
                      "anchor the date on date words of the record's quotes")
        return parse_date(str(entry["published"]))

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
        """The count group of number words, or of a list of named people ({names: [...]}): at
        least as many as the names, each of which must stand in the record's quotes."""
        if isinstance(words, dict):
            names = [words["name"]] if set(words) == {"name"} else words.get("names")
            if set(words) not in ({"names"}, {"name"}) or not isinstance(names, list) or not names or len(set(names)) != len(names):
                self.fail(line, "a count mapping takes `names` (a list of the distinct names the quotes give) or `name` (one named person)",
                          "write count: {names: [A, B, C]} or count: {name: A}")
            for name in names:
                self._fragment(name, evidence, line, "name")
            if "name" in words:  # one named person: exactly one
                return {"low": 1, "high": 1, "best": 1, "qualifier": "exact", "text": names[0]}
            return {"low": len(names), "high": None, "best": len(names), "qualifier": "at_least", "text": "; ".join(names)}
        self._fragment(words, evidence, line, "count")
        try:
            group = parse_count(words)
        except NormalizeError as e:
            self.fail(line, f"count {show(words)} cannot be read: {e}", "copy just the number words (e.g. \"79\", \"over seventy\", \"50-80\")")
        if max(v for v in (group["low"], group["high"], group["best"]) if v is not None) > MAX_COUNT:
            self.fail(line, f"count {show(words)} is larger than {MAX_COUNT:,}, the largest count the package holds exactly",
                      "check the number against the source")
        return group

    def _fragment(self, words, evidence, line, what):
        """Position in the raw text of a value's words, which must stand in one of the record's quotes."""
        if not isinstance(words, str):
            self.fail(line, f"{what} {show(words)} is not text", f"write the {what} as the source's words")
        for ev in evidence:
            i = ev["quote"].find(words)
            if i >= 0:
                return ev["char_start"] + i
        if what == "date":  # a period the heading of the quotes' section gives ("Expansion south (October 2020 – May 2022)")
            for ev in evidence:
                if any(words in heading for heading in ev["section"].split(" > ")):
                    return ev["char_start"]
        self.fail(line, f"{what} words {show(words)} are not in the record's quotes" + (" or the headings of their section" if what == "date" else ""),
                  f"copy the {what} exactly from the quoted passage")

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


@lru_cache(maxsize=None)
def fields(table):
    """The declaration of a table's records: key -> (kind or allowed values, required)."""
    return {key: (_enum(table, key) if (table, key) in ENUMS else KINDS.get(key, "text"), required)
            for key, required in {**COMMON, **KEYS[table]}.items()}


@lru_cache(maxsize=None)
def _enum(table, key):
    return tuple(schemas.enum_values(*ENUMS[(table, key)]))


def _quotes(sheet, record):
    """Evidence of each quote: a text, a {text, context} mapping, or a list of them (each at its own line)."""
    quotes = record["quote"]
    items = [(line_of(quotes, i), q) for i, q in enumerate(quotes)] if isinstance(quotes, list) else [(record.line_of("quote"), quotes)]
    if not items:
        sheet.fail(record.line_of("quote"), "the record has no quote", "copy the supporting words from the source")
    evidence = []
    for line, item in items:
        if isinstance(item, dict):
            item = check(item, {"text": ("words", True), "context": ("words", False)}, sheet.file, "quote mapping")
            evidence.append(sheet.locate(item["text"], item.get("context"), item.line_of("text")))
        else:
            evidence.append(sheet.locate(item, None, line))
    return evidence


def code_record(sheet, table, record):
    """One sheet record -> (row with contract column names, its evidence, its event_actors). Each
    message names the line of the key it is about."""
    record = check(record, fields(table), sheet.file, f"{table} record", "id")
    at = record.line_of
    evidence = _quotes(sheet, record)
    opt = lambda key: sheet.actor(record[key], at(key)) if record.get(key) else None
    date = lambda key: sheet.date(record.get(key), evidence, at(key), record.get("anchor"))
    row, event_actors = {"id": record["id"], "line": at("id"), "lines": dict(record.lines)}, []
    if table == "events":
        row.update(title=record["title"], event_type=record["type"], location=record.get("location", ""),
                   admin1=record.get("admin1", ""), country_iso3=record.get("country", ""),
                   location_precision=record.get("location_precision", "unknown"), conflict=record["conflict"],
                   summary=record["summary"], claimed_by=opt("claimed_by"))
        row.update(_group("date", date("date")))
        row["ongoing"] = row.pop("date_ongoing") or record.get("ongoing") is True
        roles = schemas.enum_values("event_actors", "role")
        if not record["actors"]:
            sheet.fail(at("actors"), "`actors` must map roles to lists of names", f"write e.g. actors: {{perpetrator: [ISIL], target: [Taliban]}} with roles {roles}")
        if "side_b" in record["actors"] and "side_a" not in record["actors"]:
            sheet.fail(line_of(record["actors"], "side_b", at("actors")), "`side_b` without `side_a`: a side needs an opposing side",
                       "add the opposing actors as side_a, or recode them with another role (subject, target, signatory, ...)")
        for role, names in record["actors"].items():
            role_line = line_of(record["actors"], role, at("actors"))
            if role not in roles:
                sheet.fail(role_line, f"role {show(role, 60)} is not one of {roles}", "use one of the listed roles")
            items = [(line_of(names, i, role_line), n) for i, n in enumerate(names)] if isinstance(names, list) else [(role_line, names)]
            for line, name in items:
                event_actors.append({"event_id": record["id"], "actor_id": sheet.actor(name, line), "role": role})
    elif table == "pledges":
        pledgee = sheet.actor(record["pledgee"], at("pledgee"))
        row.update(pledger_id=sheet.actor(record["pledger"], at("pledger")), pledgee_id=pledgee,
                   organization_id=opt("organization") or pledgee, pledge_type=record["type"],
                   visibility=record.get("visibility", "unknown"), responds_to=record.get("responds_to") or None,
                   event_id=record.get("event") or None, claimed_by=opt("claimed_by"))
        if row["pledger_id"] == pledgee:
            sheet.fail(at("pledgee"), f"{record['pledger']!r} pledges to itself ({pledgee!r})", "name the group or person the pledge is made to")
        row.update(_group("date", date("date"), drop_ongoing=True))
    elif table == "casualties":
        row.update(event_id=record["event"], actor_id=sheet.actor(record["actor"], at("actor")), inflicted_by=opt("inflicted_by"),
                   category=record["category"], scope=record["scope"], claimed_by=opt("claimed_by"))
        row.update(_group("count", sheet.count(record["count"], evidence, at("count"))))
        row.update(part_of=record.get("part_of") or None, covers=_covers(sheet, record, at("covers")))
        row.update(_group("date", date("date"), drop_ongoing=True))
    elif table == "relations":
        row.update(subject_id=sheet.actor(record["subject"], at("subject")), relation=record["relation"],
                   object_id=sheet.actor(record["object"], at("object")), claimed_by=opt("claimed_by"))
        if row["subject_id"] == row["object_id"]:
            sheet.fail(at("object"), f"{record['subject']!r} {record['relation']} {record['object']!r}: an actor related to itself "
                       f"({row['object_id']!r})", "name the other actor of the relation")
        row.update(_group("valid", date("valid"), drop_ongoing=True))
    elif table == "conflicts":
        row.update(name=record["name"], parent_conflict_id=record.get("parent") or None, conflict_type=record["type"])
        row.update(_group("date", date("date")))
        row["ongoing"] = row.pop("date_ongoing") or record.get("ongoing") is True
    row["disputed"] = record.get("disputed", False)
    if bool(record.get("disputed_reason")) != row["disputed"]:
        sheet.fail(at("disputed_reason") if "disputed_reason" in record else at("disputed"), "disputed: true and disputed_reason go together",
                   "say who or what contests the record in disputed_reason, or drop both")
    row["note"], row["disputed_reason"] = record.get("note", ""), record.get("disputed_reason", "")
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
    return {"conflict": covers.get("conflict"), "sides": [sheet.actor(n, line_of(sides, i, line)) for i, n in enumerate(sides)] if sides else None,
            "actor": sheet.actor(covers["actor"], line_of(covers, "actor", line)) if covers.get("actor") else None}


def _group(prefix, values, drop_ongoing=False):
    out = {f"{prefix}_{k}": v for k, v in values.items()}
    if drop_ongoing:
        out.pop(f"{prefix}_ongoing", None)
    return out


def code(source_id):
    """Code one sheet and write .work/coded/<source_id>.json."""
    out = code_sheet(Sheet(source_id))
    write_json(coded_file(source_id), out)
    log.info("%s, %d waivers", ", ".join(f"{len(rows)} {table}" for table, rows in out["records"].items()), len(out["waivers"]))


def code_sheet(sheet):
    """A sheet's records as contract rows with their evidence and event actors, and its waivers."""
    source_id = sheet.data["source"]
    out, seen = {"source_id": source_id, "records": {t: [] for t in KEYS}, "event_actors": []}, {}
    for table in KEYS:
        records = sheet.data.get(table) or []
        if not isinstance(records, list):
            sheet.fail(sheet.data.line_of(table), f"`{table}` must be a list of records", "write each record as `- id: ...`")
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
    waivers = sheet.data.get("waivers") or []
    if not isinstance(waivers, list):
        sheet.fail(sheet.data.line_of("waivers"), "`waivers` must be a list", "write each waiver as `- {quote: ..., reason: ...}`")
    out["waivers"] = [_waiver(sheet, w) for w in waivers]
    return out


def _waiver(sheet, waiver):
    """A flagged sentence the coder decided holds no codable fact, with the reason."""
    waiver = check(waiver, {"quote": ("words", True), "context": ("words", False), "reason": ("words", True)}, sheet.file, "waiver")
    if len(waiver["reason"].strip()) < 10:
        sheet.fail(waiver.line_of("reason"), "a waiver needs a reason of a few words", "say why the sentence holds nothing to code")
    return {**sheet.locate(waiver["quote"], waiver.get("context"), waiver.line_of("quote")), "reason": waiver["reason"]}
