"""The reliability study: a seeded random sample of fact-bearing sentences, stratified by
source, that a second coder codes blind (annotations/reliability/blind/<source_id>.yaml);
`python -m pipeline.reliability sample` draws it into annotations/reliability/sample.yaml, and
the `reliability` stage (`make reliability`) compares the blind sheets with the main ones field
by field into .work/reliability.json (percent agreement, Krippendorff's alpha, every
disagreement with its adjudication from annotations/reliability/adjudication/<source_id>.yaml).

The sample is drawn once and committed: later changes to the registry or the sheets change
which sentences the candidate finder flags, but must not change a sample already coded."""
import datetime
import logging
import math
import random
import sys

from . import candidates, code, ingest
from .conventions import CONVENTIONS
from .files import PipelineError, read_config, read_json, read_yaml, rel, write_bytes_atomic, write_json
from .paths import RELIABILITY, ROOT, STUDY, coded_file, ingest_file

log = logging.getLogger(__name__)

RULES = CONVENTIONS["reliability"]
SAMPLE = STUDY / "sample.yaml"


def fact_bearing(doc, coded):
    """Non-boilerplate sentences the candidate finder flags or a coded record's quote overlaps."""
    spans = [(e["char_start"], e["char_end"]) for rows in coded["records"].values() for r in rows for e in r["evidence"]]
    flagged = {(s["start"], s["end"]) for s in candidates.find(doc)}
    return [s for s in doc["sentences"] if not s["boilerplate"] and (
        (s["start"], s["end"]) in flagged or any(a < s["end"] and s["start"] < b for a, b in spans))]


def draw(source_id, sentences):
    """A seeded sample of a source's sentences: `share` of them, at least `minimum`, in text order.
    The generator is seeded with the study's seed and the source id, so each source's draw is
    independent of the others and of the order of the manifest."""
    rng = random.Random(f"{RULES['seed']}:{source_id}")
    size = min(len(sentences), max(RULES["minimum"], math.ceil(RULES["share"] * len(sentences))))
    return sorted(rng.sample(sentences, size), key=lambda s: s["start"])


def sample():
    """Write annotations/reliability/sample.yaml from the ingested and coded sources."""
    out = ["# The reliability study's sample (pipeline/reliability.py, conventions.yaml `reliability`).",
           "# Drawn once by `python -m pipeline.reliability sample`; do not edit. Offsets are Python",
           "# string indexes into the raw file, as in the evidence table.", "sources:"]
    total = drawn = 0
    for entry in ingest.load_manifest():
        source_id = entry["source_id"]
        doc = read_json(ingest_file(source_id))
        coded_path = coded_file(source_id)
        coded = read_json(coded_path) if coded_path.exists() else {"records": {}}
        sentences = fact_bearing(doc, coded)
        chosen = draw(source_id, sentences)
        total, drawn = total + len(sentences), drawn + len(chosen)
        out += [f"  - source_id: {source_id}", f"    fact_bearing_sentences: {len(sentences)}", "    sentences:"]
        for s in chosen:
            text = doc["text"][s["start"]:s["end"]].replace("\\", "\\\\").replace('"', '\\"')
            out += [f"      - {{start: {s['start']}, end: {s['end']}, text: \"{text}\"}}"]
    write_bytes_atomic(SAMPLE, ("\n".join(out) + "\n").encode("utf-8"))
    print(f"reliability sample: {drawn} of {total} fact-bearing sentences -> {SAMPLE.relative_to(ROOT)}", file=sys.stderr)


# ---------------------------------------------------------------- the comparison

BLIND = STUDY / "blind"
ADJUDICATION = STUDY / "adjudication"  # one file per source: <source_id>.yaml
RESULT = RELIABILITY
RESOLUTIONS = ("main sheet corrected", "blind coder wrong", "both acceptable")
ABSENT = "(no record)"
EMPTY = "(empty)"


def _day(value):
    return datetime.date.fromisoformat(str(value)).toordinal() if value else None


def _parties(row, actors_of):
    return "; ".join(sorted(f"{role}: {actor}" for role, actor in actors_of.get(row["id"], ())))


# The compared fields of each table: name -> (level of measurement, value of a coded row).
# Dates are compared as day numbers (interval), so a day apart is a smaller disagreement than a year.
FIELDS = {
    "events": {
        "event_type": ("nominal", lambda r, a: r["event_type"]),
        "date_start": ("interval", lambda r, a: _day(r["date_start"])),
        "date_end": ("interval", lambda r, a: _day(r["date_end"])),
        "parties": ("nominal", _parties),
        "claimed_by": ("nominal", lambda r, a: r["claimed_by"]),
    },
    "pledges": {
        "pledge_type": ("nominal", lambda r, a: r["pledge_type"]),
        "direction": ("nominal", lambda r, a: f"{r['pledger_id']} → {r['pledgee_id']}"),
        "date_start": ("interval", lambda r, a: _day(r["date_start"])),
        "date_end": ("interval", lambda r, a: _day(r["date_end"])),
        "claimed_by": ("nominal", lambda r, a: r["claimed_by"]),
    },
    "casualties": {
        "category": ("nominal", lambda r, a: r["category"]),
        "party": ("nominal", lambda r, a: f"{r['actor_id']} (by {r['inflicted_by'] or '?'})"),
        "count_low": ("interval", lambda r, a: r["count_low"]),
        "count_high": ("interval", lambda r, a: r["count_high"]),
        "claimed_by": ("nominal", lambda r, a: r["claimed_by"]),
    },
    "relations": {
        "relation": ("nominal", lambda r, a: r["relation"]),
        "direction": ("nominal", lambda r, a: f"{r['subject_id']} → {r['object_id']}"),
        "valid_start": ("interval", lambda r, a: _day(r["valid_start"])),
        "valid_end": ("interval", lambda r, a: _day(r["valid_end"])),
        "claimed_by": ("nominal", lambda r, a: r["claimed_by"]),
    },
}


class BlindSheet(code.Sheet):
    """A blind coder's sheet, coded by the main sheets' machinery, except that a name the
    registry does not know is kept as its normalized text: the blind coder was not bound to the
    registry, and a name that fits no alias is a disagreement to count, not an error."""

    def __init__(self, source_id, path):
        super().__init__(source_id, path)
        self.unreadable, seen = [], set()
        for table in code.KEYS:  # an id the blind coder used twice gets its line appended
            for record in self.data.get(table) or []:
                if isinstance(record, dict) and record.get("id") in seen:
                    self.unreadable.append({"file": self.file, "line": record.line, "value": record["id"],
                                            "problem": f"id used twice; compared as {record['id']}-{record.line}"})
                    record["id"] = f"{record['id']}-{record.line}"
                if isinstance(record, dict):
                    seen.add(record.get("id"))
                    if record.get("disputed") == "true" and not record.get("disputed_reason"):  # scalars are the text written
                        record["disputed_reason"] = "(the blind coder gave no reason)"

    def actor(self, name, line):
        try:
            return super().actor(name, line)
        except PipelineError:
            if not isinstance(name, str) or not name.strip():
                raise
            return " ".join(name.casefold().split())

    def locate(self, quote, context, line):
        """A quote the main sheets' rules refuse (in boilerplate, ambiguous) is taken where it
        first stands; one not in the source at all leaves its record outside the sample. Listed."""
        try:
            return super().locate(quote, context, line)
        except PipelineError as e:
            self.unreadable.append({"file": self.file, "line": line, "value": str(quote)[:80], "problem": str(e)})
            start = self.text.find(quote) if isinstance(quote, str) and quote else -1
            end = start + len(quote) if start >= 0 else -1
            return {"char_start": start, "char_end": end, "quote": quote if isinstance(quote, str) else "", "section": ""}

    def date(self, words, evidence, line, anchor=None):
        """A date the grammar cannot read (or whose words the quotes lack) is no date, listed in
        the report: the blind coder followed the guide, not the code's grammar."""
        try:
            return super().date(words, evidence, line, anchor)
        except PipelineError as e:
            self.unreadable.append({"file": self.file, "line": line, "value": str(words), "problem": str(e)})
            return {**code.no_date(), "text": str(words)}

    def count(self, words, evidence, line):
        try:
            return super().count(words, evidence, line)
        except PipelineError as e:
            self.unreadable.append({"file": self.file, "line": line, "value": str(words), "problem": str(e)})
            return {"low": None, "high": None, "best": None, "qualifier": "", "text": str(words)}


def _overlaps(row, sentence):
    return any(e["char_start"] < sentence["end"] and sentence["start"] < e["char_end"] for e in row["evidence"])


def _values(table, row, actors_of):
    return {f: get(row, actors_of) for f, (_, get) in FIELDS[table].items()}


def pair(table, main_rows, blind_rows, sentences, main_actors, blind_actors):
    """Units of comparison for one source and table: main and blind records that overlap a
    shared sampled sentence, paired greedily by how many fields agree (ties by id, so the
    pairing is deterministic); a record left over is a unit that the other coder lacks."""
    def sampled(rows, actors_of):
        out = []
        for r in rows:
            hit = [i for i, s in enumerate(sentences) if _overlaps(r, s)]
            if hit:
                out.append((r["id"], set(hit), _values(table, r, actors_of)))
        return out
    main, blind = sampled(main_rows, main_actors), sampled(blind_rows, blind_actors)
    candidates = sorted(((-sum(mv[f] == bv[f] for f in mv), mid, bid, min(mh & bh))
                         for mid, mh, mv in main for bid, bh, bv in blind if mh & bh))
    units, used_m, used_b = [], set(), set()
    for _, mid, bid, first in candidates:
        if mid not in used_m and bid not in used_b:
            used_m.add(mid)
            used_b.add(bid)
            mv = next(v for i, _, v in main if i == mid)
            bv = next(v for i, _, v in blind if i == bid)
            units.append({"sentence": first, "main": mid, "blind": bid, "main_values": mv, "blind_values": bv})
    units += [{"sentence": min(h), "main": i, "blind": None, "main_values": v, "blind_values": None}
              for i, h, v in main if i not in used_m]
    units += [{"sentence": min(h), "main": None, "blind": i, "main_values": None, "blind_values": v}
              for i, h, v in blind if i not in used_b]
    return sorted(units, key=lambda u: (u["sentence"], u["main"] or "", u["blind"] or ""))


def alpha(values_main, values_blind, level):
    """Krippendorff's alpha of two coders over units (the `krippendorff` package). Nominal
    values are any hashable (a missing record or an empty field is a category of its own);
    interval values are numbers, and a unit where either coder gives none is not pairable and
    left out. None when alpha is undefined (fewer than two values, or a single category)."""
    import krippendorff
    import numpy as np
    if level == "nominal":
        codes = {v: i for i, v in enumerate(sorted({str(v) for v in values_main + values_blind}))}
        data = [[codes[str(v)] for v in values_main], [codes[str(v)] for v in values_blind]]
    else:
        pairs = [(a, b) for a, b in zip(values_main, values_blind) if a is not None and b is not None]
        data = [[float(a) for a, _ in pairs], [float(b) for _, b in pairs]]
    if not data[0] or len({v for row in data for v in row}) < 2:
        return None
    return round(float(krippendorff.alpha(reliability_data=np.array(data, dtype=float), level_of_measurement=level)), 4)


def field_statistics(units):
    """Per table and field: units, agreeing units, percent agreement, Krippendorff's alpha (and
    the pairable units an interval alpha rests on). A record one coder lacks disagrees on every field."""
    out = {}
    for table, fields in FIELDS.items():
        rows = [u for u in units if u["table"] == table]
        for field, (level, _) in fields.items():
            main = [u["main_values"][field] if u["main_values"] else ABSENT for u in rows]
            blind = [u["blind_values"][field] if u["blind_values"] else ABSENT for u in rows]
            agree = sum(a == b for a, b in zip(main, blind))
            stats = {"table": table, "field": field, "level": level, "units": len(rows), "agree": agree,
                     "percent_agreement": round(100 * agree / len(rows), 1) if rows else None}
            if level == "nominal":
                stats["alpha"] = alpha([EMPTY if v is None else v for v in main], [EMPTY if v is None else v for v in blind], level)
            else:
                numeric = [(a, b) for a, b in zip(main, blind) if isinstance(a, int) and isinstance(b, int)]
                stats["pairable_units"] = len(numeric)
                stats["alpha"] = alpha([a for a, _ in numeric], [b for _, b in numeric], level)
            out[f"{table}.{field}"] = stats
    return out


def _shown(table, field, value):
    if value is None:
        return EMPTY
    if FIELDS[table][field][0] == "interval" and field != "count_low" and field != "count_high":
        return datetime.date.fromordinal(value).isoformat()
    return value


def disagreements(source_id, units, sentences):
    """Every disagreement, one per unit and field (one per record that a coder lacks), with a key
    an adjudication can name: <source>/<table>/<main id or ->/<blind id or ->/<field or record>."""
    out = []
    for u in units:
        sentence = sentences[u["sentence"]]
        where = {"source_id": source_id, "table": u["table"], "sentence": sentence["text"],
                 "sentence_start": sentence["start"], "main_record": u["main"], "blind_record": u["blind"]}
        key = f"{source_id}/{u['table']}/{u['main'] or '-'}/{u['blind'] or '-'}"
        if u["main"] is None or u["blind"] is None:
            out.append({"key": f"{key}/record", **where, "field": "record",
                        "main": u["main"] or ABSENT, "blind": u["blind"] or ABSENT})
            continue
        for field in FIELDS[u["table"]]:
            a, b = u["main_values"][field], u["blind_values"][field]
            if a != b:
                out.append({"key": f"{key}/{field}", **where, "field": field,
                            "main": _shown(u["table"], field, a), "blind": _shown(u["table"], field, b)})
    return out


def read_adjudication(folder=ADJUDICATION):
    """{disagreement key: {resolution, reason, file, line}} from annotations/reliability/adjudication/<source_id>.yaml
    (one file per source, so coders adjudicating different sources never edit the same file)."""
    out = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
        out.update(read_adjudication_file(path, out))
    return out


def read_adjudication_file(path, earlier=None):
    """The entries of one source's adjudication file; every key must name that source."""
    data = read_yaml(path) or {}
    entries = data.get("adjudications") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise PipelineError(rel(path), 1, "no `adjudications:` list", "write `adjudications:` and one `- {disagreement: ..., resolution: ..., reason: ...}` per disagreement")
    out, earlier = {}, earlier or {}
    for e in entries:
        line = getattr(e, "line", 0)
        if not isinstance(e, dict) or set(e) != {"disagreement", "resolution", "reason"}:
            raise PipelineError(rel(path), line, "an adjudication takes exactly `disagreement`, `resolution` and `reason`",
                                "write - {disagreement: <key from the report>, resolution: ..., reason: ...}")
        if e["resolution"] not in RESOLUTIONS:
            raise PipelineError(rel(path), line, f"resolution {e['resolution']!r} is not one of {list(RESOLUTIONS)}", "use one of the listed resolutions")
        if not isinstance(e["reason"], str) or len(e["reason"].strip()) < 10:
            raise PipelineError(rel(path), line, "an adjudication needs a reason of a few words", "say why")
        if str(e["disagreement"]).split("/")[0] != path.stem:
            raise PipelineError(rel(path), line, f"disagreement {e['disagreement']!r} is not about source {path.stem!r}",
                                f"move it to {rel(path.parent)}/<its source_id>.yaml")
        first = out.get(e["disagreement"]) or earlier.get(e["disagreement"])
        if first:
            raise PipelineError(rel(path), line, f"disagreement {e['disagreement']!r} is adjudicated twice (first at line {first['line']})",
                                "keep one entry")
        out[e["disagreement"]] = {"resolution": e["resolution"], "reason": e["reason"], "file": rel(path), "line": line}
    return out


def compare_source(source_id, main, blind, sentences):
    """Units of one source: main and blind coded sheets (code.code_sheet output) over its sampled sentences."""
    main_actors, blind_actors = ({}, {})
    for coded, actors_of in ((main, main_actors), (blind, blind_actors)):
        for ea in coded["event_actors"]:
            actors_of.setdefault(ea["event_id"], []).append((ea["role"], ea["actor_id"]))
    units = []
    for table in FIELDS:
        for u in pair(table, main["records"][table], blind["records"][table], sentences, main_actors, blind_actors):
            units.append({**u, "table": table, "source_id": source_id})
    return units


def study(sample_sources, main_coded, blind_coded, adjudication, unreadable=()):
    """The whole study from its inputs: {source_id: [sampled sentences]}, {source_id: coded main
    sheet}, {source_id: coded blind sheet} (the sources a blind coder has coded) and the
    adjudication entries; returns the report written to .work/reliability.json."""
    units, found = [], []
    for source_id in sorted(blind_coded):
        sentences = sample_sources[source_id]
        source_units = compare_source(source_id, main_coded[source_id], blind_coded[source_id], sentences)
        units += source_units
        found += disagreements(source_id, source_units, sentences)
    keys = {d["key"] for d in found}
    for d in found:
        entry = adjudication.get(d["key"])
        d["resolution"], d["reason"] = (entry["resolution"], entry["reason"]) if entry else (None, None)
    corrected = {k: v for k, v in adjudication.items() if k not in keys}
    stale = sorted(k for k, v in corrected.items() if v["resolution"] != "main sheet corrected")
    if stale:
        e = adjudication[stale[0]]
        raise PipelineError(e.get("file", rel(ADJUDICATION)), e["line"], f"{len(stale)} adjudication(s) name no current disagreement, e.g. {stale[0]!r}",
                            "only `main sheet corrected` outlives its disagreement; correct the key or remove the entry")
    fields = field_statistics(units)
    for stats in fields.values():  # the agreement the blind coding found, before the main sheets were corrected
        fixed = sum(1 for k in corrected if k.split("/")[1] == stats["table"] and k.split("/")[-1] in (stats["field"], "record"))
        stats["agree_before_corrections"] = max(stats["agree"] - fixed, 0)
    return {
        "status": "computed" if blind_coded else "pending: no blind sheet in annotations/reliability/blind/ yet",
        "sources": sorted(blind_coded),
        "sampled_sentences": sum(len(sample_sources[s]) for s in blind_coded),
        "sampled_sentences_all_sources": sum(len(v) for v in sample_sources.values()),
        "units": len(units),
        "fields": fields,
        "disagreements": found,
        "open": sum(1 for d in found if d["resolution"] is None),
        "corrections": sorted(corrected),
        "unreadable_blind_values": list(unreadable),
    }


def markdown(report):
    """The study as Markdown: per-field agreement, then every disagreement with its adjudication."""
    out = ["## Reliability study (blind second coding)", ""]
    if not report["sources"]:
        return "\n".join(out + [f"Pending: {report['sampled_sentences_all_sources']} sentences are sampled "
                                 "(annotations/reliability/sample.yaml); no blind sheet has been coded yet.", ""])
    out += [f"{report['sampled_sentences']} sampled sentences of {len(report['sources'])} source(s) "
            f"({', '.join(report['sources'])}) coded blind; {report['units']} compared records; "
            f"{len(report['disagreements'])} disagreements, {report['open']} not yet adjudicated.", "",
            "| field | level | units | agree | % agreement | Krippendorff's alpha |", "|---|---|---|---|---|---|"]
    for name, f in report["fields"].items():
        pct = "–" if f["percent_agreement"] is None else f"{f['percent_agreement']:.1f}"
        a = "–" if f["alpha"] is None else f"{f['alpha']:.3f}"
        units = f"{f['units']}" + (f" ({f['pairable_units']} pairable)" if "pairable_units" in f else "")
        out.append(f"| {name} | {f['level']} | {units} | {f['agree']} | {pct} | {a} |")
    out += ["", "Disagreements (key, main value, blind value, adjudication):", ""]
    for d in report["disagreements"]:
        ruling = f"{d['resolution']}: {d['reason']}" if d["resolution"] else "OPEN"
        where = f"\"{d['sentence'][:120]}\"" if d["sentence"] else f"the sentence at offset {d['sentence_start']}"
        out.append(f"- `{d['key']}` on {where}: main {d['main']!s} / blind {d['blind']!s} — {ruling}")
    if report["unreadable_blind_values"]:
        out += ["", "Blind values the grammar cannot read (compared as empty):", ""]
        out += [f"- {u['file']}:{u['line']}: {u['value']!r}" for u in report["unreadable_blind_values"]]
    if report["corrections"]:
        out += ["", "Main sheets corrected after adjudication: " + ", ".join(f"`{k}`" for k in report["corrections"])]
    return "\n".join(out + [""])


def redact(report, policies):
    """The study for the published quality report: sentences and blind values keep their words
    only when their source is `full` (raw/sources.yaml `redistribution`); otherwise the offsets
    say where they are."""
    full = lambda source_id: policies.get(source_id) == "full"
    return {**report,
            "disagreements": [{**d, "sentence": d["sentence"] if full(d["source_id"]) else ""} for d in report["disagreements"]],
            "unreadable_blind_values": [{**u, "value": u["value"] if full(u["file"].split("/")[-1][:-5]) else ""}
                                        for u in report["unreadable_blind_values"]]}


def load_sample():
    """{source_id: [{start, end, text}]} from annotations/reliability/sample.yaml (none drawn yet: {})."""
    if not SAMPLE.exists():
        return {}
    data = read_config(SAMPLE)  # written by `sample` above, with numbers for offsets
    return {s["source_id"]: [dict(x) for x in s["sentences"]] for s in data["sources"]}


def reliability():
    """Code the blind sheets, compare them with the main sheets and write .work/reliability.json."""
    sample_sources = load_sample()
    blind_coded, main_coded, unreadable = {}, {}, []
    for path in sorted(BLIND.glob("*.yaml")):
        source_id = path.stem
        if source_id not in sample_sources:
            raise PipelineError(rel(path), 1, f"{source_id!r} is not a source of the sample", f"name the file after a source_id of {rel(SAMPLE)}")
        sheet = BlindSheet(source_id, path)
        blind_coded[source_id] = code.code_sheet(sheet)
        unreadable += sheet.unreadable
        main_coded[source_id] = read_json(coded_file(source_id))
    report = study(sample_sources, main_coded, blind_coded, read_adjudication(), unreadable)
    write_json(RESULT, report)
    log.info("%d blind sheet(s), %d sampled sentences, %d units, %d disagreements (%d open) -> %s",
             len(blind_coded), report["sampled_sentences"], report["units"], len(report["disagreements"]), report["open"], rel(RESULT))


def report():
    """Print the study's Markdown report from .work/reliability.json."""
    print(markdown(read_json(RESULT)), end="")


if __name__ == "__main__":
    try:
        {"sample": sample, "report": report}[sys.argv[1]]()
    except (KeyError, IndexError):
        sys.exit("usage: python -m pipeline.reliability sample|report")
    except PipelineError as e:
        sys.exit(f"error: {e}")
