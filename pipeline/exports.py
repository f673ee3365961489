"""The exports for pipelines users already have: the contract's tables seen in UCDP GED's and
ACLED's columns and codes (schemas/exports.yaml), by the rules in pipeline/conventions.yaml (`ged`,
`acled`). Views of the tables, never new facts: every value comes from a row of the package, and
an identifier the other format owns (a UCDP or ACLED ID) stays empty."""
import datetime

from . import schemas, structure
from .conventions import CONVENTIONS

GED, ACLED = CONVENTIONS["ged"], CONVENTIONS["acled"]
# The one place the exports read an event's place: export column -> events column. Columns the
# events table does not have (yet) stay empty in the exports.
PLACE = {"latitude": "latitude", "longitude": "longitude", "where_prec": "where_prec", "geo_precision": "geo_precision",
         "priogrid_gid": "priogrid_gid", "adm_2": "admin2", "admin2": "admin2", "country": "country_name"}


def _day(value):
    return datetime.date.fromisoformat(value) if value else None


def _span_code(event, steps):
    """The code of the first step whose length in days holds the event's date range, else None."""
    start, end = _day(event["date_start"]), _day(event["date_end"])
    if not start or not end:
        return None
    days = (end - start).days + 1
    return next((s["code"] for s in steps if days <= s["days"]), None)


class Views:
    """Look-ups shared by the exports: names, supporting sources, countries, roles, death rows."""

    def __init__(self, tables):
        self.tables = tables
        self.actors = {a["actor_id"]: a for a in tables["actors"]}
        self.conflicts = {c["conflict_id"]: c for c in tables["conflicts"]}
        self.dyads = {d["dyad_id"]: d for d in tables["dyads"]}
        sources = {s["source_id"]: s for s in tables["sources"]}
        supporting = {}
        for e in tables["evidence"]:
            if e["record_table"] == "events":
                supporting.setdefault(e["record_id"], set()).add(e["source_id"])
        self.sources = {k: [sources[s] for s in sorted(v)] for k, v in supporting.items()}
        self.roles = {}
        for ea in tables["event_actors"]:
            self.roles.setdefault(ea["event_id"], {}).setdefault(ea["role"], []).append(ea["actor_id"])
        self.deaths = {}
        for c in structure.counted(tables["casualties"]):
            self.deaths.setdefault(c["event_id"], []).append(c)

    def name(self, actor_id):
        return self.actors[actor_id]["name"] if actor_id else None

    def joined(self, event_id, key):
        return "; ".join(s[key] for s in self.sources.get(event_id, []) if s[key]) or None

    def citation(self, event_id):
        return "; ".join(f"{s['title']} ({s['publisher']}" + (f", {s['url']})" if s["url"] else ")")
                         for s in self.sources.get(event_id, []))

    def place(self, event, column):
        return event.get(PLACE[column])


def ged_rows(tables, views=None):
    """One GED row per violent event with a dyad, a death figure and a date range of at most a year."""
    v = views or Views(tables)
    out = []
    for e in tables["events"]:
        date_prec = _span_code(e, GED["date_prec"])
        if not e["dyad_id"] or e["deaths_low"] is None or date_prec is None:
            continue
        d = v.dyads[e["dyad_id"]]
        high = e["deaths_high"] if e["deaths_high"] is not None else sum(
            c["count_high"] if c["count_high"] is not None else structure.row_best(c) for c in v.deaths[e["event_id"]])
        lat, lon = v.place(e, "latitude"), v.place(e, "longitude")
        out.append({
            "year": _day(e["date_start"]).year, "type_of_violence": e["type_of_violence"],
            "conflict_name": v.conflicts[e["conflict"]]["name"],
            "dyad_name": f"{v.name(d['side_a'])} - {v.name(d['side_b'])}", "side_a": v.name(d["side_a"]), "side_b": v.name(d["side_b"]),
            "number_of_sources": e["source_count"], "source_article": v.citation(e["event_id"]),
            "source_office": v.joined(e["event_id"], "publisher"), "source_date": v.joined(e["event_id"], "published_edtf"),
            "source_headline": v.joined(e["event_id"], "title"), "source_original": v.name(e["claimed_by"]),
            "where_prec": v.place(e, "where_prec"), "where_coordinates": e["location"] if lat is not None else None,
            "where_description": e["location"], "adm_1": e["admin1"], "adm_2": v.place(e, "adm_2"),
            "latitude": lat, "longitude": lon, "geom_wkt": f"POINT ({lon} {lat})" if lat is not None else None,
            "priogrid_gid": v.place(e, "priogrid_gid"), "country": v.place(e, "country"),
            "event_clarity": 2 if e["disputed"] or e["claimed_by"] else 1, "date_prec": date_prec,
            "date_start": e["date_start"], "date_end": e["date_end"],
            "deaths_a": e["deaths_a"], "deaths_b": e["deaths_b"], "deaths_civilians": e["deaths_civilians"],
            "deaths_unknown": e["deaths_unknown"], "best": e["deaths_best"], "high": high, "low": e["deaths_low"],
            "event_id": e["event_id"], "conflict_id": e["conflict"], "dyad_id": e["dyad_id"],
            "side_a_id": d["side_a"], "side_b_id": d["side_b"]})
    return _complete("ucdp-ged", out)


def _inter(actor):
    if actor is None:
        return None
    return ACLED["actor_types"].get(actor["actor_type"]) or ACLED["by_alignment"][actor["alignment"]]


def _party(v, e, roles):
    """(primary actor, the role's other actors) of the first of `roles` the event has; a dyad's side
    is the primary where it takes part in that role."""
    for role in roles:
        actors = sorted(v.roles.get(e["event_id"], {}).get(role, []))
        if actors:
            d = v.dyads.get(e["dyad_id"]) or {}
            primary = next((a for a in (d.get("side_a"), d.get("side_b")) if a in actors), None) or \
                next((a for a in actors if v.actors[a]["actor_type"] != "person"), actors[0])
            return primary, [a for a in actors if a != primary]
    return None, []


def fatalities(rows):
    """ACLED's conservative figure: count_low, or ACLED's own number for its vague words."""
    vague = ACLED["vague_fatalities"]
    return sum(min(c["count_low"], vague[c["count_text"].lower()]) if c["count_qualifier"] == "vague" and c["count_text"].lower() in vague
               else c["count_low"] for c in rows)


def acled_rows(tables, views=None):
    """One ACLED row per event with a crosswalk entry and a date range of at most a month."""
    v = views or Views(tables)
    out = []
    for e in tables["events"]:
        entry, precision = ACLED["event_types"].get(e["event_type"]), _span_code(e, ACLED["time_precision"])
        if entry is None or precision is None:
            continue
        start, end = _day(e["date_start"]), _day(e["date_end"])
        day = start if precision == 1 else start + (end - start) / 2
        a1, assoc1 = _party(v, e, ACLED["actor1_roles"])
        a2, assoc2 = _party(v, e, ACLED["actor2_roles"])
        if a1 == a2:
            a2, assoc2 = None, []
        one_sided = e["type_of_violence"] == 3
        kind = (entry.get("one_sided") if one_sided else None) or (
            entry.get("state_side_a") if a1 and v.actors[a1]["actor_type"] in CONVENTIONS["dyads"]["state_types"] else None) or entry["default"]
        inter1, inter2 = _inter(v.actors.get(a1)), _inter(v.actors.get(a2))
        order = ACLED["inter_order"]
        pair = sorted((t for t in (inter1, inter2) if t), key=order.index)
        out.append({
            "event_date": day.isoformat(), "year": day.year, "time_precision": precision,
            "disorder_type": kind[0], "event_type": kind[1], "sub_event_type": kind[2],
            "actor1": v.name(a1), "assoc_actor_1": "; ".join(v.name(a) for a in assoc1) or None, "inter1": inter1,
            "actor2": v.name(a2), "assoc_actor_2": "; ".join(v.name(a) for a in assoc2) or None, "inter2": inter2,
            "interaction": "-".join(pair) if len(pair) == 2 else (f"{pair[0]} only" if pair else None),
            "civilian_targeting": "Civilian targeting" if one_sided else None,
            "country": v.place(e, "country"), "admin1": e["admin1"], "admin2": v.place(e, "admin2"),
            "location": e["location"], "latitude": v.place(e, "latitude"), "longitude": v.place(e, "longitude"),
            "geo_precision": v.place(e, "geo_precision"), "source": v.joined(e["event_id"], "publisher"),
            "notes": e["summary"], "fatalities": fatalities(v.deaths.get(e["event_id"], [])),
            "tags": f"claimed by {v.name(e['claimed_by'])}" if e["claimed_by"] else None,
            "event_id": e["event_id"], "dyad_id": e["dyad_id"], "date_start": e["date_start"], "date_end": e["date_end"]})
    return _complete("acled", out)


def _complete(name, rows):
    """Every declared column present (empty where the view gives nothing), rows in event_id order."""
    columns = schemas.columns(name)
    return sorted(({c: r.get(c) for c in columns} for r in rows), key=lambda r: r["event_id"])


def export_rows(tables):
    """{export name: rows} for every export in schemas/exports.yaml."""
    views = Views(tables)
    return {"ucdp-ged": ged_rows(tables, views), "acled": acled_rows(tables, views)}
