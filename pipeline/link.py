"""Stage 3, link: merge the coded sheets into the contract's tables. One real-world record
told by several sources (the same id in several sheets) becomes one row with several evidence
rows; disagreements between sources are kept for the quality report; source counts,
independence (copied passages count once) and confidence are computed here."""
import bisect
import datetime
import functools
import gc
import logging
import re

import numpy as np

from . import actors, schemas, structure
from .candidates import coverage
from .code import KEYS, LINEAGE
from .conventions import CONVENTIONS
from .files import PipelineError, read_json, rel, show, write_folder, write_json
from .ingest import load_manifest
from .normalize import no_date, parse_date
from .paths import LINKED, LINKED_TABLES, PLACES_JSON, SHEETS, coded_file, ingest_file
from .typed import INTERMEDIATE, parquet_bytes

log = logging.getLogger(__name__)

GROUP_PREFIXES = ("date", "valid", "count")
WORD = re.compile(r"\w+")


def shingles(text, k):
    words = WORD.findall(text.lower())
    return {tuple(words[i:i + k]) for i in range(max(len(words) - k + 1, 0))}


class Corpus:
    """The ingested documents, with the passage (line) around any offset and its shingles."""

    def __init__(self, source_ids):
        self.docs = {s: read_json(ingest_file(s)) for s in source_ids}
        self.k = CONVENTIONS["independence"]["shingle_words"]
        self.line_starts = {s: [ln["start"] for ln in d["lines"]] for s, d in self.docs.items()}

    def passage(self, source_id, pos):
        doc = self.docs[source_id]
        i = bisect.bisect_right(self.line_starts[source_id], pos) - 1
        if i >= 0 and pos < doc["lines"][i]["end"]:
            return doc["text"][doc["lines"][i]["start"]:doc["lines"][i]["end"]]
        return ""

    def copied(self, ev_a, ev_b):
        """True when the passages behind two quotes share most of their word shingles."""
        a = shingles(self.passage(ev_a["source_id"], ev_a["char_start"]), self.k)
        b = shingles(self.passage(ev_b["source_id"], ev_b["char_start"]), self.k)
        if not a or not b:
            return False
        return len(a & b) / min(len(a), len(b)) >= CONVENTIONS["independence"]["shared_fraction"]

    def shared_passages(self):
        """Lines of one source (outside boilerplate: page furniture repeats across the pages of a
        site) whose shingles mostly occur in another source: copied text. A line is compared only
        with the sources that hold one of its rarest shingles (an index of shingle hashes finds
        them), so the work grows with the corpus, not with its square."""
        ids, fraction = list(self.docs), CONVENTIONS["independence"]["shared_fraction"]
        owners = _owners([_hashes(shingles(self.docs[s]["text"], self.k)) for s in ids])
        doc_shingles = functools.lru_cache(maxsize=64)(lambda j: shingles(self.docs[ids[j]]["text"], self.k))
        out = []
        for i, s in enumerate(ids):
            doc = self.docs[s]
            for ln in doc["lines"]:
                if ln["boilerplate"]:
                    continue
                sh = shingles(doc["text"][ln["start"]:ln["end"]], self.k)
                for j in _candidates(sh, owners, i, fraction, len(ids)):
                    shared = len(sh & doc_shingles(j)) / len(sh)
                    if shared >= fraction:
                        out.append({"source_id": s, "char_start": ln["start"], "char_end": ln["end"], "also_in": ids[j],
                                    "shared_fraction": round(shared, 3)})
        return out


def _hashes(shingle_set):
    return np.fromiter((hash(x) for x in shingle_set), np.int64, len(shingle_set))


def _owners(hashes):
    """{hash: [index of each document that has it]} for the shingle hashes of more than one document."""
    if not hashes:
        return {}
    values = np.concatenate(hashes)
    owners = np.repeat(np.arange(len(hashes)), [len(h) for h in hashes])
    order = np.argsort(values, kind="stable")
    values, owners = values[order], owners[order]
    repeated = np.zeros(len(values), bool)
    repeated[1:] |= values[1:] == values[:-1]
    repeated[:-1] |= values[:-1] == values[1:]
    out = {}
    for h, j in zip(values[repeated].tolist(), owners[repeated].tolist()):
        out.setdefault(h, []).append(j)
    return out


def _candidates(sh, owners, i, fraction, n_docs):
    """The documents other than i that may hold `fraction` of the shingles sh. One that holds
    `need` of the m shingles holds one of any m - need + 1 of them (pigeonhole): the rarest are
    looked up."""
    m = len(sh)
    need = next((c for c in range(m + 1) if m and c / m >= fraction), None)
    if need is None:
        return []
    hashes = {hash(x) for x in sh}
    if need == 0:
        return [j for j in range(n_docs) if j != i]
    picked = sorted(hashes, key=lambda h: len(owners.get(h, ())))[:m - need + 1] if len(hashes) == m else hashes
    return sorted({j for h in picked for j in owners.get(h, ()) if j != i})


def independent_count(evidence, corpus):
    """Distinct sources after joining sources whose evidence passages were copied one from another."""
    parent = {e["source_id"]: e["source_id"] for e in evidence}

    def root(s):
        while parent[s] != s:
            s = parent[s]
        return s
    for i, a in enumerate(evidence):
        for b in evidence[i + 1:]:
            if a["source_id"] != b["source_id"] and corpus.copied(a, b):
                parent[root(a["source_id"])] = root(b["source_id"])
    return len({root(s) for s in parent})


def confidence(grades, independent, disagreement, claimed, contested):
    """The documented rule (pipeline/conventions.yaml, `confidence`)."""
    rule = CONVENTIONS["confidence"]
    if contested or all(g in rule["low_grades"] for g in grades) or (claimed and independent < 2):
        return "low"
    strong = any(g in rule["high_alone_grades"] for g in grades) or (
        independent >= 2 and sum(g in rule["high_with_corroboration_grades"] for g in grades) >= 2)
    if strong and not disagreement and not claimed:
        return "high"
    return "medium"


def _notes(rows, column):
    """The distinct notes (or reasons) of the rows told by several sheets: one as written, several
    prefixed by their source."""
    notes = {}
    for r in rows:
        if r[column] and r[column] not in notes.values():
            notes[r["source_id"]] = r[column]
    if len(notes) == 1:
        return next(iter(notes.values()))
    return " | ".join(f"{s}: {n}" for s, n in notes.items())


def dispute(rows, disagree, supporting, grades):
    """(disputed, reason): contested in a sheet (its reason), told only by sources below the
    floor of `disputed.unsupported_grades` (the counterfactual fan wiki), or told differently by
    the sources behind the row."""
    reasons = [_notes([r for r in rows if r["disputed"]], "disputed_reason")] if any(r["disputed"] for r in rows) else []
    floor = CONVENTIONS["disputed"]["unsupported_grades"]
    unsupported = all(grades[s] in floor for s in supporting)
    if unsupported:
        reasons.append(f"told only by {', '.join(supporting)} (graded {'/'.join(sorted({grades[s] for s in supporting}))}), "
                       "which no better-graded source confirms")
    for d in disagree:
        reasons.append(f"the sources disagree on {d['field']} (" + "; ".join(f"{s}: {v}" for s, v in d["values"].items()) + ")")
    return bool(reasons), "; ".join(reasons), unsupported


def _empty(value):
    return value in (None, "", "unknown")


def merge(rows, grade_rank):
    """One row from the same record told by several sources: the best-graded source's values,
    filled from the others where it is silent; returns (row, disagreements)."""
    rows = sorted(rows, key=lambda r: grade_rank[r["source_id"]])
    merged, disagreements = dict(rows[0]), []
    fields = [k for k in rows[0] if k not in ("evidence", "line", "lines", "source_id", "sheet", "disputed", "disputed_reason", "note")]
    for prefix in GROUP_PREFIXES:
        if f"{prefix}_text" not in merged:
            continue
        stated = [r for r in rows if r[f"{prefix}_text"]]
        if not stated:
            continue
        lows = [_bound(r, prefix, "low") for r in stated]
        highs = [_bound(r, prefix, "high") for r in stated]
        # where the wordings overlap the narrowest wins (October 2004 over 2004); where they
        # disagree, the best-graded source's, and the disagreement is reported
        agree = max(lows) <= min(highs)
        chosen = min(stated, key=lambda r: ((_span(r, prefix),) if agree else ()) + (grade_rank[r["source_id"]],))
        merged.update({k: v for k, v in chosen.items() if k.startswith(prefix + "_")})
        if prefix == "date" and "ongoing" in merged:
            merged["ongoing"] = any(r["ongoing"] for r in rows)
        if not agree:
            disagreements.append({"field": prefix, "values": {
                r["source_id"]: r[f"{prefix}_text"] + (f" ({r[f'{prefix}_edtf']})" if prefix != "count" else "") for r in stated}})
    for k in fields:
        if any(k.startswith(p + "_") for p in GROUP_PREFIXES) or k == "ongoing":
            continue
        stated = {r["source_id"]: r[k] for r in rows if not _empty(r[k])}
        if stated and _empty(merged[k]):
            merged[k] = next(iter(stated.values()))
        if len(set(map(str, stated.values()))) > 1 and k not in ("title", "summary", "location"):  # free wording
            disagreements.append({"field": k, "values": stated})
    return merged, disagreements


def _bound(row, prefix, side):
    """A comparable lower or upper bound of a date or count group ("" or a large value when open)."""
    if prefix == "count":
        value = row["count_low"] if side == "low" else row["count_high"]
        return value if value is not None else (0 if side == "low" else 10**12)
    value = row[f"{prefix}_start"] if side == "low" else row[f"{prefix}_end"]
    return value or ("0000-00-00" if side == "low" else "9999-99-99")


def _span(row, prefix):
    if prefix == "count":
        return (row["count_high"] if row["count_high"] is not None else 10**12) - row["count_low"]
    if not row[f"{prefix}_start"] or not row[f"{prefix}_end"]:
        return 10**9
    return (datetime.date.fromisoformat(row[f"{prefix}_end"]) - datetime.date.fromisoformat(row[f"{prefix}_start"])).days


def link():
    """Merge the coded sheets into the tables of .work/linked/ (and .work/linked.json). Its rows hold
    no reference cycles, so the cycle collector is off meanwhile: its passes over millions of rows
    took a fifth of the time."""
    gc.disable()
    try:
        _link()
    finally:
        gc.enable()


def _link():
    manifest = load_manifest()
    source_ids = [e["source_id"] for e in manifest]
    grades = {e["source_id"]: e["reliability"] for e in manifest}
    redistribution = {e["source_id"]: e["redistribution"] for e in manifest}
    grade_rank = {s: ("ABCDEF".index(grades[s]), i) for i, s in enumerate(source_ids)}
    coded = [read_json(coded_file(s)) for s in source_ids if (SHEETS / f"{s}.yaml").exists()]
    corpus = Corpus(source_ids)

    # group rows by id across sheets
    # conflicts have ids of their own (a war's conflict_id is the event_id of its armed_conflict row)
    grouped, table_of, event_actors, named = {}, {}, set(), {}
    for sheet in coded:
        where = rel(SHEETS / f"{sheet['source_id']}.yaml")
        for table in KEYS:
            for row in sheet["records"][table]:
                row = {**row, "source_id": sheet["source_id"], "sheet": where}
                key = (table == "conflicts", row["id"])
                if table_of.setdefault(key, table) != table:
                    raise PipelineError(row["sheet"], row["line"], f"id {row['id']!r} is used for both {table_of[key]} and {table}",
                                        "give records of different tables different ids")
                grouped.setdefault(key, []).append(row)
        event_actors |= {(ea["event_id"], ea["actor_id"], ea["role"]) for ea in sheet["event_actors"]}
        for ea in sheet["event_actors"]:  # the order the sheets name each role's actors in
            names = named.setdefault((ea["event_id"], ea["role"]), [])
            if ea["actor_id"] not in names:
                names.append(ea["actor_id"])

    registry = actors.load()[0]
    for (is_conflict, record_id), rows in grouped.items():
        if record_id in registry and not is_conflict:
            raise PipelineError(rows[0]["sheet"], rows[0]["line"], f"id {record_id!r} is also an actor id",
                                "give the record an id that names what happened, not who")
    tables = {t: [] for t in schemas.table_names()}
    keys = {t: schemas.table_schema(t)["primaryKey"] for t in tables}
    evidence, disagreements = [], []
    for key, rows in grouped.items():
        table, record_id = table_of[key], key[1]
        row, disagree = merge(rows, grade_rank)
        ev = [e for r in rows for e in r["evidence"]]
        independent = independent_count(ev, corpus)
        supporting = sorted({e["source_id"] for e in ev})
        row["disputed"], row["disputed_reason"], unsupported = dispute(rows, disagree, supporting, grades)
        # a coder's note often quotes its source: only notes on sources published in full are
        # published (raw/sources.yaml `redistribution`), so excerpt budgets hold
        row["note"] = _notes([r for r in rows if redistribution[r["source_id"]] == "full"], "note")
        row["confidence"] = confidence([grades[s] for s in supporting], independent, bool(disagree), bool(row.get("claimed_by")),
                                       unsupported or any(r["disputed"] for r in rows))
        if table == "events":
            row["source_count"], row["independent_source_count"] = len(supporting), independent
            row["event_category"] = CONVENTIONS["event_categories"][row["event_type"]]
        if disagree:
            disagreements.append({"table": table, "record_id": record_id, "sources": supporting, "disagreements": disagree})
        row[keys[table][0]] = record_id
        row["_where"] = (rows[0]["sheet"], rows[0]["lines"])
        tables[table].append(row)
        evidence += _evidence_rows(table, record_id, ev)

    _check_references(tables, event_actors)
    _add_places(tables)
    _check_lineage(tables["relations"])
    tables["event_actors"] = [dict(zip(("event_id", "actor_id", "role"), ea)) for ea in sorted(event_actors)]
    structure.check_conflicts(tables)
    members = structure.add_dyads(tables, named, registry)
    structure.check_casualties(tables, registry)
    structure.add_deaths(tables, members, registry)
    lifetimes = actor_lifetimes(tables, registry)
    relation_intervals(tables["relations"], lifetimes)
    tables["sources"] = [_source_row(e, corpus) for e in manifest]
    actor_rows, alias_rows, actor_evidence = _actors(corpus, source_ids, tables, evidence, lifetimes)
    tables["actors"], tables["actor_aliases"] = actor_rows, alias_rows
    tables["evidence"] = sorted(evidence + actor_evidence, key=lambda e: e["evidence_id"])
    for table, rows in tables.items():
        cols, key = schemas.columns(table), keys[table]
        tables[table] = sorted(({c: r.get(c) for c in cols} for r in rows), key=lambda r: [str(r[k]) for k in key])
    # the tables typed, then the rest: linked.json, the Make target, last
    write_folder("link", LINKED_TABLES, {f"{t}.parquet": parquet_bytes(t, rows, INTERMEDIATE) for t, rows in tables.items()})
    write_json(LINKED, {"disagreements": disagreements, "candidate_coverage": _coverage(corpus, coded),
                        "shared_passages": corpus.shared_passages()})
    log.info("%s; %d records on which sources disagree", ", ".join(f"{len(rows)} {table}" for table, rows in tables.items()),
             len(disagreements))


def _coverage(corpus, coded):
    """Per source: flagged sentences, how many are covered by records or waived, and the rest."""
    out = {}
    for sheet in coded:
        flagged = coverage(corpus.docs[sheet["source_id"]], sheet)
        uncovered = [c for c in flagged if not c["records"] and not c["waived"]]
        out[sheet["source_id"]] = {
            "flagged": len(flagged), "covered_by_records": sum(1 for c in flagged if c["records"]),
            "waived": [{"char_start": c["char_start"], "char_end": c["char_end"], "text": c["text"], "reason": c["waived"]}
                       for c in flagged if c["waived"] and not c["records"]],
            "uncovered": [{"char_start": c["char_start"], "char_end": c["char_end"], "rules": c["rules"], "text": c["text"]}
                          for c in uncovered],
            "coverage": round(1 - len(uncovered) / len(flagged), 4) if flagged else 1.0}
    return out


def _evidence_rows(table, record_id, ev):
    out, numbers = [], {}
    for e in sorted(ev, key=lambda e: (e["source_id"], e["char_start"])):
        n = numbers[e["source_id"]] = numbers.get(e["source_id"], 0) + 1
        # a conflict shares its id with its armed_conflict event: its evidence ids say "conflict-"
        prefix = "conflict-" if table == "conflicts" else ""
        out.append({"evidence_id": f"{prefix}{record_id}--{e['source_id']}-{n}", "record_table": table, "record_id": record_id, **e})
    return out


def _check_references(tables, event_actors):
    """Dangling references are sheet errors, reported at the sheet line that makes them."""
    key = {t: schemas.table_schema(t)["primaryKey"][0] for t in ("events", "pledges")}
    ids = {t: {r[key[t]] for r in tables[t]} for t in key}
    for table, column, key, target in (("casualties", "event_id", "event", "events"), ("pledges", "event_id", "event", "events"),
                                       ("pledges", "responds_to", "responds_to", "pledges")):
        for row in tables[table]:
            if row.get(column) and row[column] not in ids[target]:
                sheet, lines = row["_where"]
                raise PipelineError(sheet, lines.get(key, 0), f"{column} {show(row[column])} names no coded {target[:-1]}",
                                    f"code that {target[:-1]} (in any sheet) or correct the id")
    for event_id, _, _ in event_actors:
        if event_id not in ids["events"]:
            raise PipelineError("annotations/sources", 0, f"event_actors name unknown event {event_id!r}", "code the event")


PLACE_COLUMNS = ("place_id", "latitude", "longitude", "where_prec", "geo_precision", "admin1_code", "priogrid_gid")


def _add_places(tables):
    """The `places` table, and each event's place found by its location wording (a spelling in
    annotations/places.yaml); the place's country and admin units replace the sheet's, so that
    every event in one country has it."""
    data = read_json(PLACES_JSON)
    tables["places"] = data["rows"]
    by_id = {r["place_id"]: r for r in data["rows"]}
    for event in tables["events"]:
        wording = event.get("location") or ""
        if not wording.strip() or wording in data["no_place"]:
            continue
        if wording not in data["names"]:
            raise PipelineError(*structure.where(event, "location"), f"location {wording!r} is no spelling of a place in annotations/places.yaml",
                                "add it to a place's names (`make places NAME=... COUNTRY=...` proposes gazetteer matches) or to no_place")
        place = by_id[data["names"][wording]]
        event.update({c: place[c] for c in PLACE_COLUMNS}, admin2=place["admin2_name"])
        event["country_iso3"] = place["country_iso3"] or event.get("country_iso3") or None
        event["admin1"] = place["admin1_name"] or event.get("admin1") or None


def _check_lineage(relations):
    """A lineage relation (renamed_to, merged_into, successor_of, split_from) says which group
    became which: followed subject to object, the relations of one kind never come back to where
    they started. A cycle is reported at the sheet line of one of its relations."""
    for kind in LINEAGE:
        edges = {}
        for row in relations:
            if row["relation"] == kind:
                edges.setdefault(row["subject_id"], []).append(row)
        state = {}  # actor -> 1 while on the current path, 2 when done
        for start in sorted(edges):
            path, stack = [], [(start, iter(edges.get(start, [])))]
            state[start] = state.get(start) or 1
            if state[start] == 2:
                continue
            while stack:
                node, rows = stack[-1]
                row = next(rows, None)
                if row is None:
                    state[node] = 2
                    stack.pop()
                    if path:
                        path.pop()
                    continue
                nxt = row["object_id"]
                if state.get(nxt) == 1:
                    cycle = path[[r["subject_id"] for r in path].index(nxt):] + [row] if nxt != row["subject_id"] else [row]
                    sheet, lines = row["_where"]
                    chain = ", ".join(f"{r['subject_id']} {kind} {r['object_id']}" for r in cycle)
                    raise PipelineError(sheet, lines.get("object", 0), f"the {kind} relations form a cycle: {chain}"[:600],
                                        "a group cannot become itself: correct the direction or the actors of one of these relations")
                if state.get(nxt) != 2:
                    state[nxt] = 1
                    path.append(row)
                    stack.append((nxt, iter(edges.get(nxt, []))))


def _source_row(entry, corpus):
    published = parse_date(entry["published"]) if entry["published"] else no_date()
    row = {k: entry[k] for k in schemas.columns("sources") if k in entry}
    row.update({f"published_{k}": v for k, v in published.items() if k != "ongoing"})
    row["chars"] = corpus.docs[entry["source_id"]]["chars"]
    return row


def _actors(corpus, source_ids, tables, record_evidence, lifetimes):
    """Actor and alias rows from the registry. An actor's evidence is the first sentence in each
    source that uses one of its names (outside boilerplate); an actor no source names (civilians
    counted as "drug dealers", "all parties" of a total) borrows the quotes of the first record
    that involves it."""
    registry, _, aliases = actors.load()
    rows, alias_rows, evidence = [], [], []
    views = {s: _NameView(corpus.docs[s]) for s in source_ids}
    patterns = {}
    for a in aliases:
        patterns.setdefault(a["actor_id"], []).append(a["alias"])
        pattern = actors.name_pattern([a["alias"]])
        seen_in = next((s for s in source_ids if views[s].first_sentence([a["alias"]], pattern)), None)
        alias_rows.append({**a, "source_id": seen_in})
    empty = {k: v for k, v in no_date().items() if k != "ongoing"}
    for actor_id, entry in registry.items():
        row = {"actor_id": actor_id, "name": entry["name"], "actor_type": entry["type"], "alignment": entry["alignment"],
               "status": entry["status"], "country_iso3": entry.get("country") or None, "description": entry["description"]}
        life = lifetimes.get(actor_id, {})
        for prefix in ("founded", "dissolved"):
            row.update({f"{prefix}_{k}": v for k, v in (life.get(prefix) or empty).items()})
        if life.get("status") and entry["status"] in ("unknown", "active", "alive"):
            row["status"] = life["status"]
        rows.append(row)
        name_re, named = actors.name_pattern(patterns[actor_id]), False
        for s in source_ids:
            doc, sentence = corpus.docs[s], views[s].first_sentence(patterns[actor_id], name_re)
            if sentence:
                named = True
                evidence.append({"evidence_id": f"{actor_id}--{s}-1", "record_table": "actors", "record_id": actor_id,
                                 "source_id": s, "char_start": sentence["start"], "char_end": sentence["end"],
                                 "quote": doc["text"][sentence["start"]:sentence["end"]], "section": sentence["section"]})
        if not named:
            evidence += _borrowed_evidence(actor_id, tables, record_evidence)
    return rows, alias_rows, evidence


DATE_KEYS = ("start", "end", "edtf", "precision", "text", "year_inferred")


def actor_lifetimes(tables, registry):
    """{actor_id: {founded, dissolved: date group, status}} derived from the rows that date an
    actor's beginning or end, so that no actor date is typed twice: a founding event (its
    non-person subjects) or a founder_of relation founds; a renamed_to relation ends the old
    name and founds the new, merged_into ends the subject; a dissolution event (its non-person
    subjects) ends a group; a person's death (the target of a death_of_leader event, or a
    killed or executed casualty row of the person) ends a person. The earliest dated row wins;
    disputed rows (contested, or the fan wiki's alone) date nothing."""
    found = {}

    def add(actor_id, what, group, status=None):
        found.setdefault(actor_id, {}).setdefault(what, []).append((group, status))
    person = lambda a: registry.get(a, {}).get("type") == "person"
    group_of = lambda row, prefix: {k: row[f"{prefix}_{k}"] for k in DATE_KEYS}
    roles = {}
    for ea in tables["event_actors"]:
        roles.setdefault(ea["event_id"], []).append((ea["role"], ea["actor_id"]))
    events = {e["event_id"]: e for e in tables["events"]}
    for e in tables["events"]:
        if e["disputed"]:
            continue
        t, d = e["event_type"], group_of(e, "date")
        for role, a in roles.get(e["event_id"], []):
            if t == "founding" and role == "subject" and not person(a):
                add(a, "founded", d)
            elif t == "dissolution" and role == "subject" and not person(a):
                add(a, "dissolved", d, "defunct")
            elif t == "death_of_leader" and person(a) and (role == "target" or (role == "subject" and not any(
                    r == "target" for r, _ in roles[e["event_id"]]))):
                add(a, "dissolved", d, "killed" if any(r == "perpetrator" for r, _ in roles[e["event_id"]]) else "died")
    for c in tables["casualties"]:
        if c["category"] in ("killed", "executed") and person(c["actor_id"]) and c["scope"] == "event" and not c["disputed"]:
            d = group_of(c, "date") if c["date_text"] else group_of(events[c["event_id"]], "date")
            add(c["actor_id"], "dissolved", d, "killed")
    for r in tables["relations"]:
        d = group_of(r, "valid")
        if r["disputed"]:
            continue
        if r["relation"] == "renamed_to":
            add(r["subject_id"], "dissolved", d, "renamed")
            add(r["object_id"], "founded", d)
        elif r["relation"] == "merged_into":
            add(r["subject_id"], "dissolved", d, "merged")
        elif r["relation"] == "founder_of" and not person(r["object_id"]):
            add(r["object_id"], "founded", d)
    out = {}
    for actor_id, whats in found.items():
        for what, items in whats.items():
            group, status = min(items, key=lambda i: (not i[0]["text"], i[0]["start"] is None, str(i[0]["start"] or ""),
                                                      str(i[0]["end"] or "")))
            life = out.setdefault(actor_id, {})
            if group["text"]:
                life[what] = group
            if what == "dissolved":
                life["status"] = status
    return out


def _first_day(group, prefix):
    """A group's first day as the start of an EDTF interval the edtf library reads."""
    first = group[f"{prefix}_edtf"].split("/")[0]
    return str(group[f"{prefix}_start"]) if group[f"{prefix}_precision"] == "season" or first.startswith("..") else first


def relation_intervals(relations, lifetimes):
    """A lasting relation (conventions.yaml `relations.lasting`) holds from the date its words
    give until the first row that ends it: the end its own words give ("until 2020"), or the end
    of either party (a person's death, a group's rename, merger or dissolution, as
    actor_lifetimes dates them); with neither it stays open ('..')."""
    lasting = CONVENTIONS["relations"]["lasting"]
    for r in relations:
        if r["relation"] not in lasting or not r["valid_start"]:
            continue
        ends = [lifetimes[a]["dissolved"] for a in (r["subject_id"], r["object_id"]) if "dissolved" in lifetimes.get(a, {})]
        ends = [(g["end"], str(g["end"]) if g["precision"] == "season" or "/" in g["edtf"] else g["edtf"])
                for g in ends if g["end"] and str(g["end"]) >= str(r["valid_start"])]
        start_words, _, end_words = r["valid_edtf"].partition("/")
        if end_words and end_words != "..":  # the words give the end: it stands unless a party ends first
            ends.append((r["valid_end"], str(r["valid_end"]) if r["valid_precision"] == "season" else end_words))
        first = _first_day(r, "valid")
        if ends:
            end, last = min(ends, key=lambda e: str(e[0]))
            r["valid_end"], r["valid_edtf"] = end, f"{first}/{last}"
        else:
            r["valid_end"], r["valid_edtf"] = None, f"{first}/.."


class _NameView:
    """A document seen from its names: the first sentence (outside boilerplate) that a name
    pattern matches in, as `pattern.search(text, sentence start, sentence end)` finds it, without
    searching every sentence. The pattern is tried only where one of the names stands (a
    substring search), which is exact for ASCII names: in `folded`, the only non-ASCII letters that
    re's IGNORECASE matches to ASCII letters are mapped to them, then the text is lowercased
    (same length, as İ is mapped first)."""
    FOLD = str.maketrans({"İ": "i", "ı": "i", "ſ": "s", "K": "k"})

    def __init__(self, doc):
        self.doc, self.text = doc, doc["text"]
        self.folded = self.text.translate(self.FOLD).lower()
        self.starts = [sen["start"] for sen in doc["sentences"]]

    def _places(self, names):
        """Sorted offsets where a name may match, or None when only a regex search can tell."""
        found = set()
        for name in names:
            if not name.isascii():
                return None
            text, needle = (self.text, name) if name.isupper() else (self.folded, name.lower())
            i = text.find(needle)
            while i >= 0:
                found.add(i)
                i = text.find(needle, i + 1)
        return sorted(found)

    def _matches(self, names, pattern):
        """The pattern's match at each place it matches, in order of place."""
        places = self._places(names)
        if places is None:
            m = pattern.search(self.text)
            while m:
                yield m
                m = pattern.search(self.text, m.start() + 1)
            return
        for i in places:
            m = pattern.match(self.text, i)
            if m:
                yield m

    def first_sentence(self, names, pattern):
        """Every place the pattern matches in the whole text is visited in order; a match that
        does not fit its sentence gets the sentence-bounded search, so the result is the same."""
        sentences = self.doc["sentences"]
        for m in self._matches(names, pattern):
            i = bisect.bisect_right(self.starts, m.start()) - 1
            if i >= 0 and m.start() < sentences[i]["end"] and not sentences[i]["boilerplate"]:
                sen = sentences[i]
                if m.end() <= sen["end"] or pattern.search(self.text, sen["start"], sen["end"]):
                    return sen
        return None


def _borrowed_evidence(actor_id, tables, record_evidence):
    for table, columns in schemas.references_to("actors").items():
        for row in tables.get(table) or []:
            if actor_id in (row.get(c) for c in columns):
                record_id = row[schemas.table_schema(table)["primaryKey"][0]]
                quotes = [e for e in record_evidence if e["record_id"] == record_id]
                return [{**e, "evidence_id": f"{actor_id}--{e['source_id']}-{i}", "record_table": "actors", "record_id": actor_id}
                        for i, e in enumerate(quotes, 1)]
    return []
