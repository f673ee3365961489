"""Stage site: a browsable, offline HTML site of the validated package (WORK/site/).

People look before they read: an overview, a timeline, the network of pledges and relations,
the casualty ranges, a searchable table per contract table, and for any row its quotes
highlighted in the source text. Charts are SVG drawn here at build time; the tables and the raw
documents of the openly licensed (`full`) sources travel in data.js (a script setting a global), because a page opened from the file
system may not fetch() JSON. Everything shown is read from WORK/package and WORK/quality.json;
the output is a function of them and the raw files only, so rebuilds are byte-identical."""
import csv
import datetime
import json
import math
import sys
from collections import Counter, defaultdict
from itertools import accumulate
from pathlib import Path

import jinja2
import shapely
from markupsafe import Markup, escape

from .places import OUTLINES_SOURCE, country_outlines as place_outlines
from .conventions import CONVENTIONS
from .files import Mapping, PipelineError, check_recorded, read_json, rel, write_folder
from .ingest import read_raw
from .paths import ASSETS, PACKAGE, QUALITY, SITE

OUT = SITE
STATIC_ASSETS = ("site.css", "site.js")
# Tableau 10: distinguishable colours, assigned to enumeration values in schema order.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
# Event categories in schema order (violent, organizational, political): red, amber, blue.
CATEGORY_PALETTE = ("#d1495b", "#e09f3e", "#30638e")
# The relations that change what a group is (lineage), drawn in the network with the pledges;
# leadership, membership and alliances of people would turn it into a hairball and stay in the table.
NETWORK_RELATIONS = ("renamed_to", "merged_into", "split_from", "successor_of", "branch_of")
# Longest stretch of source text shown around a quote; longer paragraphs are cut to a window.
MAX_CONTEXT = 1600
WIDTH = 1100


# ---------------------------------------------------------------- reading the package

def load():
    """The validated package: descriptor, rows of every CSV table (as strings) and quality.json."""
    descriptor = read_json(PACKAGE / "datapackage.json")
    resources = {r["name"]: r for r in descriptor["resources"] if r["format"] == "csv" and not r["path"].startswith("exports/")}
    tables = {}
    for name, resource in resources.items():
        path = PACKAGE / resource["path"]
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            expected = [field["name"] for field in resource["schema"]["fields"]]
            if header != expected:
                raise PipelineError(rel(path), 1, f"header {header} differs from the descriptor's fields {expected}",
                                    "rebuild the package (make) so the CSV and datapackage.json agree")
            tables[name] = [dict(zip(header, row)) for row in reader]
    quality = read_json(QUALITY)
    for name, count in quality["counts"].items():
        if len(tables.get(name, [])) != count:
            raise PipelineError(rel(QUALITY), 0, f"counts {name} is {count} but {name}.csv has "
                                f"{len(tables.get(name, []))} rows", "run make so validate sees the current package")
    return descriptor, resources, tables, quality


def documents(sources, evidence):
    """The decoded raw text of every source whose words may be published whole (redistribution
    `full`; sha256 checked against the sources table), and a check that each of its evidence rows'
    offsets still point at its quote. The text of any other source is never read here."""
    texts = {}
    for source in sources:
        if source["redistribution"] == "full":
            texts[source["source_id"]] = read_raw(Mapping(file=source["file"], sha256=source["sha256"]))
    for row in evidence:
        if row["source_id"] in texts and texts[row["source_id"]][int(row["char_start"]):int(row["char_end"])] != row["quote"]:
            raise PipelineError(rel(PACKAGE / "evidence.csv"), 0, f"evidence {row['evidence_id']}: the offsets do not "
                                "point at the quote in the raw file", "rebuild the package from the current raw/ files")
    return texts


def utf16_offsets(text):
    """Python string index -> JavaScript (UTF-16) string index, for the browser's slices."""
    if all(ord(c) <= 0xFFFF for c in text):
        return lambda i: i
    prefix = [0] + list(accumulate(2 if ord(c) > 0xFFFF else 1 for c in text))
    return lambda i: prefix[i]


def context_span(text, start, end):
    """The paragraph (line) around a quote, cut to a window when it is long."""
    first, last = text.rfind("\n", 0, start) + 1, text.find("\n", end)
    last = len(text) if last < 0 else last
    if last - first > MAX_CONTEXT:
        room = max(0, (MAX_CONTEXT - (end - start)) // 2)
        first, last = max(first, start - room), min(last, end + room)
    return first, last


def enum(resources, table, column):
    for field in resources[table]["schema"]["fields"]:
        if field["name"] == column:
            return field.get("constraints", {}).get("enum", [])
    raise KeyError(f"{table}.{column}")


def colours(values, palette=PALETTE):
    return {v: palette[i % len(palette)] for i, v in enumerate(values)}


# ---------------------------------------------------------------- SVG helpers

def num(v):
    """Coordinates with one decimal, written the same way every time."""
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def el(tag, attrs=None, *children):
    """One SVG element; attribute values and text children are escaped."""
    parts = [tag] + [f'{k}="{escape(num(v) if isinstance(v, float) else v)}"'
                     for k, v in (attrs or {}).items() if v is not None]
    body = "".join(str(c) if isinstance(c, Markup) else str(escape(c)) for c in children)
    return Markup(f"<{' '.join(parts)}>{body}</{tag}>" if children or tag not in ("rect", "circle", "line", "path")
                  else f"<{' '.join(parts)}/>")


def svg(name, width, height, label, *children):
    return el("svg", {"class": f"chart chart-{name}", "id": f"chart-{name}", "viewBox": f"0 0 {num(width)} {num(height)}",
                      "role": "img", "aria-label": label, "xmlns": "http://www.w3.org/2000/svg"},
              el("title", {}, label), *children)


def mark_attrs(table, record_id, extra_class=""):
    return {"class": f"mark {extra_class}".strip(), "data-table": table, "data-id": record_id}


def parse_date(value):
    return datetime.date.fromisoformat(value) if value else None


class TimeAxis:
    """Whole years from the earliest start to the latest end, mapped onto [x0, x1]."""

    def __init__(self, dates, x0, x1):
        years = [d.year for d in dates] or [2000]
        self.first, self.last = datetime.date(min(years), 1, 1), datetime.date(max(years) + 1, 1, 1)
        self.x0, self.x1 = x0, x1

    def x(self, day):
        span = self.last.toordinal() - self.first.toordinal()
        return self.x0 + (day.toordinal() - self.first.toordinal()) / span * (self.x1 - self.x0)

    def ticks(self, top, bottom):
        """A grid line per year, labelled every year when there is room, else every few years."""
        years = list(range(self.first.year, self.last.year + 1))
        per_year = (self.x1 - self.x0) / max(1, len(years) - 1)
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if s * per_year >= 38)
        out = []
        for year in years:
            x = self.x(datetime.date(year, 1, 1))
            out.append(el("line", {"class": "grid", "x1": x, "x2": x, "y1": float(top), "y2": float(bottom)}))
            if year % step == 0 and year < self.last.year:
                out.append(el("text", {"class": "tick", "x": x + 2, "y": float(top - 4)}, str(year)))
        return out


def pack(bars, gap=3.0):
    """First-fit rows for (x0, x1) bars so none overlap: returns each bar's row number."""
    ends, rows = [], []
    for x0, x1 in bars:
        row = next((i for i, end in enumerate(ends) if end + gap <= x0), len(ends))
        if row == len(ends):
            ends.append(x1)
        ends[row] = x1
        rows.append(row)
    return rows


def swatch(colour, dashed=False, hollow=False):
    """A small legend sample: a line for network kinds, a box otherwise."""
    if dashed:
        shape = el("line", {"x1": 1.0, "x2": 21.0, "y1": 6.0, "y2": 6.0, "stroke": colour, "stroke-width": 2.5,
                            "stroke-dasharray": "4 3"})
    else:
        shape = el("rect", {"x": 1.0, "y": 1.0, "width": 20.0, "height": 10.0, "rx": 2.0,
                            "fill": "#fff" if hollow else colour, "stroke": colour, "stroke-width": 1.5})
    return el("svg", {"class": "swatch", "viewBox": "0 0 22 12", "width": "22", "height": "12", "aria-hidden": "true"}, shape)


def legend(items):
    """[(label, swatch svg)] -> an HTML legend."""
    return Markup("".join(f'<span class="key">{sample}{escape(label)}</span>' for label, sample in items))


# ---------------------------------------------------------------- overview

def overview(resources, tables, quality):
    """Rows per table, and per source the records its quotes support, by table, with its grade."""
    record_tables = enum(resources, "evidence", "record_table")
    records = {s["source_id"]: {t: set() for t in record_tables} for s in tables["sources"]}
    quotes = Counter()
    for row in tables["evidence"]:
        records[row["source_id"]][row["record_table"]].add(row["record_id"])
        quotes[row["source_id"]] += 1
    colour = colours(record_tables)
    label_w, right_w, bar_h, row_h = 330.0, 70.0, 16.0, 26.0
    biggest = max([sum(len(v) for v in r.values()) for r in records.values()] or [1]) or 1
    scale = (WIDTH - label_w - right_w) / biggest
    marks, y = [], 10.0
    rows = []
    for source in tables["sources"]:
        sid = source["source_id"]
        counts = {t: len(records[sid][t]) for t in record_tables}
        total = sum(counts.values())
        marks.append(el("text", {"class": "label", "x": label_w - 8, "y": y + 12, "text-anchor": "end"},
                        f"{source['title'][:48]}{'…' if len(source['title']) > 48 else ''} [{source['reliability']}]"))
        x = label_w
        for t in record_tables:
            if counts[t]:
                w = counts[t] * scale
                marks.append(el("rect", {"class": "mark", "data-source": sid, "data-record-table": t, "x": x, "y": y,
                                         "width": w, "height": bar_h, "fill": colour[t]},
                                el("title", {}, f"{source['title']}: {counts[t]} {t} rows")))
                x += w
        marks.append(el("text", {"class": "value", "x": x + 6, "y": y + 12}, str(total)))
        rows.append({"source": source, "counts": counts, "total": total, "quotes": quotes[sid],
                     "coverage": quality.get("candidate_coverage", {}).get(sid, {}).get("coverage")})
        y += row_h
    chart = svg("overview", WIDTH, y + 4, "Rows supported by each source's quotes, by table", *marks)
    keys = legend([(t, swatch(colour[t])) for t in record_tables])
    counts = [{"table": name, "rows": len(tables[name]), "description": resources[name]["description"]}
              for name in resources]
    return {"chart": chart, "legend": keys, "sources": rows, "record_tables": record_tables, "counts": counts}


# ---------------------------------------------------------------- timeline

def conflict_names(tables):
    """Conflicts by name (conflicts.name), never by slug."""
    return {c["conflict_id"]: c["name"] for c in tables["conflicts"]}


def timeline(resources, events, names):
    """Dated events as date_start..date_end bars in one lane per conflict, coloured by category;
    the events without a known year are returned for a list of their own."""
    categories = enum(resources, "events", "event_category")
    colour = colours(categories, CATEGORY_PALETTE)
    dated = [e for e in events if e["date_start"]]
    undated = sorted((e for e in events if not e["date_start"]), key=lambda e: (names[e["conflict"]], e["title"], e["event_id"]))
    axis = TimeAxis([parse_date(e["date_start"]) for e in dated] + [parse_date(e["date_end"]) for e in dated if e["date_end"]],
                    10.0, WIDTH - 14.0)
    lanes = defaultdict(list)
    for e in dated:
        lanes[e["conflict"]].append(e)
    order = sorted(lanes, key=lambda c: (min(e["date_start"] for e in lanes[c]), names[c]))
    top, row_h, bar_h = 22.0, 9.0, 7.0
    marks, y = [], top
    for conflict in order:
        marks.append(el("text", {"class": "lane-label", "x": 10.0, "y": y + 12}, f"{names[conflict]} ({len(lanes[conflict])})"))
        y += 20
        spans = []
        for e in sorted(lanes[conflict], key=lambda e: (e["date_start"], e["date_end"] or "9", e["event_id"])):
            x0 = axis.x(parse_date(e["date_start"]))
            open_end = not e["date_end"]
            x1 = axis.x1 if open_end else axis.x(parse_date(e["date_end"]) + datetime.timedelta(days=1))
            spans.append((e, x0, max(x1, x0 + 3), open_end))
        rows = pack([(x0, x1) for _, x0, x1, _ in spans])
        for (e, x0, x1, open_end), row in zip(spans, rows):
            notes = [f"{e['date_text'] or e['date_edtf']} ({e['date_edtf']}, {e['date_precision']})",
                     f"{e['event_type']} · {e['event_category']} · {e['confidence']} confidence"]
            if e["date_year_inferred"] == "true":
                notes.append("year inferred from the surrounding text")
            if open_end:
                notes.append("ongoing: no end date" if e["ongoing"] == "true" else "no end date")
            cls = " ".join(c for c in (f"cat-{e['event_category']}", "inferred" if e["date_year_inferred"] == "true" else "",
                                       "open" if open_end else "") if c)
            marks.append(el("rect", {**mark_attrs("events", e["event_id"], cls), "data-type": e["event_type"],
                                     "x": x0, "y": y + row * row_h, "width": x1 - x0, "height": bar_h,
                                     "fill": colour[e["event_category"]]},
                            el("title", {}, "\n".join([e["title"]] + notes))))
        y += (max(rows) + 1) * row_h + 10
    chart = svg("timeline", WIDTH, y + 4, f"Timeline of {len(dated)} dated events by conflict",
                *axis.ticks(top, y), *marks)
    types = [t for t in enum(resources, "events", "event_type") if any(e["event_type"] == t for e in events)]
    matrix_conflicts = sorted({e["conflict"] for e in events}, key=lambda c: names[c])
    cells = Counter((e["event_type"], e["conflict"]) for e in events)
    matrix = {"types": types, "conflicts": [(c, names[c]) for c in matrix_conflicts],
              "cells": {t: [cells[(t, c)] for c in matrix_conflicts] for t in types},
              "max": max(cells.values() or [1])}
    keys = legend([(c, swatch(colour[c])) for c in categories])
    return {"chart": chart, "legend": keys, "dated": len(dated), "undated": undated, "types": types, "matrix": matrix,
            "names": names}


# ---------------------------------------------------------------- map

MAP_RADIUS = {1: 3.0, 2: 4.5, 3: 6.5, 4: 9.0}  # a coarser place draws a larger, fainter mark


def event_map(tables):
    """Located events (a point and where_prec 1-4) on an equirectangular map of their extent, one
    circle per event sized by its precision, over Natural Earth's country outlines (clipped to the
    extent and simplified to about a pixel), a 5-degree graticule and the places' names."""
    located = sorted((e for e in tables["events"] if e["latitude"]), key=lambda e: (-int(e["where_prec"]), e["event_id"]))
    if not located:
        return {"chart": "", "located": 0, "places": 0, "outlines": OUTLINES_SOURCE, "legend": ""}
    lats, lons = [float(e["latitude"]) for e in located], [float(e["longitude"]) for e in located]
    south, north = math.floor(min(lats) / 5) * 5 - 5, math.ceil(max(lats) / 5) * 5 + 5
    west, east = math.floor(min(lons) / 5) * 5 - 5, math.ceil(max(lons) / 5) * 5 + 5
    scale = (WIDTH - 20) / (east - west)
    x = lambda lon: 10 + (lon - west) * scale
    y = lambda lat: 10 + (north - lat) * scale
    height = y(south) + 10
    grid = []
    for lon in range(west, east + 1, 5):
        grid.append(el("line", {"class": "grid", "x1": x(lon), "x2": x(lon), "y1": y(north), "y2": y(south)}))
        grid.append(el("text", {"class": "tick", "x": x(lon) + 2, "y": y(south) - 3}, f"{abs(lon)}°{'E' if lon >= 0 else 'W'}"))
    for lat in range(south, north + 1, 5):
        grid.append(el("line", {"class": "grid", "x1": x(west), "x2": x(east), "y1": y(lat), "y2": y(lat)}))
        grid.append(el("text", {"class": "tick", "x": x(west) + 2, "y": y(lat) - 2}, f"{abs(lat)}°{'N' if lat >= 0 else 'S'}"))
    outlines, countries = [], set()
    for iso, (name, shape) in sorted(place_outlines().items()):
        clipped = shapely.clip_by_rect(shape, west, south, east, north).simplify(1 / scale, preserve_topology=True)
        if clipped.is_empty:
            continue
        rings = [ring for poly in getattr(clipped, "geoms", [clipped]) if poly.geom_type == "Polygon"
                 for ring in (poly.exterior, *poly.interiors)]
        d = " ".join("M" + " L".join(f"{num(x(lon))},{num(y(lat))}" for lon, lat in ring.coords[:-1]) + "Z" for ring in rings)
        if d:
            outlines.append(el("path", {"class": "country", "d": d, "data-iso3": iso}, el("title", {}, name)))
            countries.add(iso)
    places = {p["place_id"]: p for p in tables["places"]}
    marks, labelled = [], {}
    for e in located:
        p, prec = places[e["place_id"]], int(e["where_prec"])
        # coarse places come first: a point is named after its most precise place
        labelled[(e["latitude"], e["longitude"])] = (p["name"] if prec <= 2 else (p["admin2_name"] or p["admin1_name"] or p["name"]))
        marks.append(el("circle", {**mark_attrs("events", e["event_id"], f"prec-{prec}"), "cx": x(float(e["longitude"])),
                                   "cy": y(float(e["latitude"])), "r": MAP_RADIUS[prec], "data-place": e["place_id"]},
                        el("title", {}, f"{e['title']}\n{p['name']} · where_prec {prec} · {p['coord_source']}")))
    labels, taken = [], []
    at = Counter((e["latitude"], e["longitude"]) for e in located)  # the busiest places are named first
    for (lat, lon), name in sorted(labelled.items(), key=lambda kv: (-at[kv[0]], kv[1])):
        box = (x(float(lon)) + 5, y(float(lat)) - 14, x(float(lon)) + 5 + 5.5 * len(name), y(float(lat)) - 3)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
            continue  # a name that would overprint another is left to the mark's hover text
        taken.append(box)
        labels.append(el("text", {"class": "place-label", "x": box[0], "y": box[3] - 2}, name))
    chart = svg("map", WIDTH, height, f"Map of {len(located)} located events", *outlines, *grid, *marks, *labels)
    return {"chart": chart, "located": len(located), "places": len(labelled), "outlines": OUTLINES_SOURCE,
            "legend": legend([(f"where_prec {k}", Markup(f'<svg class="swatch" viewBox="0 0 20 20" width="20" height="20">'
                                                         f'<circle class="prec-{k}" cx="10" cy="10" r="{num(v)}"/></svg>'))
                              for k, v in MAP_RADIUS.items()])}


# ---------------------------------------------------------------- network

def network(resources, tables):
    """Actors as lanes on a time axis; each dated pledge or lineage relation is an arc from the
    pledger (subject) to the pledgee (object) at the middle of its date range."""
    relation_types = enum(resources, "relations", "relation")
    missing = [r for r in NETWORK_RELATIONS if r not in relation_types]
    if missing:
        raise PipelineError("pipeline/site.py", 0, f"NETWORK_RELATIONS names {missing}, not values of relations.relation",
                            "use values listed in schemas/fields.yaml")
    pledge_types = enum(resources, "pledges", "pledge_type")
    colour = {**colours(pledge_types), **colours(NETWORK_RELATIONS)}
    actors = {a["actor_id"]: a for a in tables["actors"]}
    edges, undated = [], []
    for p in tables["pledges"]:
        edge = {"table": "pledges", "id": p["pledge_id"], "kind": p["pledge_type"], "source": p["pledger_id"],
                "target": p["pledgee_id"], "start": p["date_start"], "end": p["date_end"] or p["date_start"],
                "text": p["date_text"], "claimed_by": p["claimed_by"], "dashed": False}
        (edges if p["date_start"] else undated).append(edge)
    for r in tables["relations"]:
        if r["relation"] not in NETWORK_RELATIONS:
            continue
        edge = {"table": "relations", "id": r["relation_id"], "kind": r["relation"], "source": r["subject_id"],
                "target": r["object_id"], "start": r["valid_start"], "end": r["valid_end"] or r["valid_start"],
                "text": r["valid_text"], "claimed_by": r["claimed_by"], "dashed": True}
        (edges if r["valid_start"] else undated).append(edge)
    edges.sort(key=lambda e: (e["start"], e["end"], e["table"], e["id"]))
    undated.sort(key=lambda e: (e["table"], e["kind"], e["source"], e["id"]))
    alignments = enum(resources, "actors", "alignment")
    first_seen = {}
    for e in edges:
        for a in (e["source"], e["target"]):
            first_seen.setdefault(a, e["start"])
    lanes = sorted(first_seen, key=lambda a: (alignments.index(actors[a]["alignment"]), first_seen[a], actors[a]["name"]))
    label_w, lane_h, top = 300.0, 17.0, 24.0
    axis = TimeAxis([parse_date(e["start"]) for e in edges] + [parse_date(e["end"]) for e in edges], label_w, WIDTH - 70.0)
    y_of, y, group = {}, top + 4, None
    for a in lanes:  # a header row before each alignment group
        if actors[a]["alignment"] != group:
            group, y = actors[a]["alignment"], y + lane_h
        y += lane_h
        y_of[a] = y
    bottom = y + lane_h
    parts = [el("defs", {}, *[el("marker", {"id": f"arrow-{k}", "viewBox": "0 0 8 8", "refX": "7", "refY": "4",
                                            "markerWidth": "8", "markerHeight": "8", "markerUnits": "userSpaceOnUse",
                                            "orient": "auto-start-reverse"},
                                 el("path", {"d": "M0,0 L8,4 L0,8 z", "fill": colour[k]})) for k in sorted(colour)])]
    parts += axis.ticks(top, bottom)
    group = None
    for a in lanes:
        y = y_of[a]
        if actors[a]["alignment"] != group:
            group = actors[a]["alignment"]
            parts.append(el("text", {"class": "group-label", "x": 4.0, "y": y - lane_h + 4}, f"alignment {group}"))
        parts.append(el("line", {"class": "lane", "x1": label_w, "x2": axis.x1, "y1": y, "y2": y}))
        life = [parse_date(actors[a]["founded_start"]), parse_date(actors[a]["dissolved_end"])]
        if life[0] or life[1]:
            x0 = axis.x(max(life[0], axis.first)) if life[0] else axis.x0
            x1 = axis.x(min(life[1], axis.last)) if life[1] else axis.x1
            if x1 > x0:
                parts.append(el("line", {"class": "life", "x1": x0, "x2": x1, "y1": y, "y2": y},
                                el("title", {}, f"{actors[a]['name']}: founded {actors[a]['founded_text'] or '?'}"
                                                f", ended {actors[a]['dissolved_text'] or '?'}")))
        parts.append(el("text", {"class": "label", "x": label_w - 6, "y": y + 4, "text-anchor": "end"}, actors[a]["name"]))
    seen = Counter()
    for e in edges:
        start, end = parse_date(e["start"]), parse_date(e["end"]) + datetime.timedelta(days=1)
        x = (axis.x(start) + axis.x(end)) / 2
        y0, y1 = y_of[e["source"]], y_of[e["target"]]
        key = (round(x / 6), e["source"], e["target"])
        bulge = min(70.0, abs(y1 - y0) * 0.35) + 8 + 7 * seen[key]
        seen[key] += 1
        who = f"{actors[e['source']]['name']} {e['kind'].replace('_', ' ')} {actors[e['target']]['name']}"
        note = f"{who}\n{e['text'] or e['start']} ({e['table']})" + (f"\nclaimed by {actors[e['claimed_by']]['name']}"
                                                                     if e["claimed_by"] else "")
        if axis.x(end) - axis.x(start) > 4:
            parts.append(el("line", {"class": "range", "x1": axis.x(start), "x2": axis.x(end), "y1": y0, "y2": y0,
                                     "stroke": colour[e["kind"]]}))
        parts.append(el("path", {**mark_attrs(e["table"], e["id"], "edge dashed" if e["dashed"] else "edge"),
                                 "data-kind": e["kind"],
                                 "d": f"M{num(x)},{num(y0)} C{num(x + bulge)},{num(y0)} {num(x + bulge)},{num(y1)} {num(x)},{num(y1)}",
                                 "stroke": colour[e["kind"]], "marker-end": f"url(#arrow-{e['kind']})"},
                        el("title", {}, note)))
        parts.append(el("circle", {"class": "claimed" if e["claimed_by"] else "end", "cx": x, "cy": y0, "r": 3.0,
                                   "stroke": colour[e["kind"]], "fill": "#fff" if e["claimed_by"] else colour[e["kind"]]}))
    chart = svg("network", WIDTH, bottom + 8, f"{len(edges)} dated pledges and lineage relations between {len(lanes)} actors",
                *parts)
    kinds = [k for k in pledge_types + list(NETWORK_RELATIONS) if any(e["kind"] == k for e in edges + undated)]
    keys = legend([(k, swatch(colour[k], dashed=k in NETWORK_RELATIONS)) for k in kinds])
    other = Counter(r["relation"] for r in tables["relations"] if r["relation"] not in NETWORK_RELATIONS)
    return {"chart": chart, "legend": keys, "edges": len(edges), "lanes": len(lanes), "undated": undated,
            "actors": actors, "not_drawn": sorted(other.items())}


# ---------------------------------------------------------------- casualties

def short_names(tables):
    """An actor's first acronym among its aliases (IS-KP, JNIM), else its name: for tight labels."""
    short = {a["actor_id"]: a["name"] for a in tables["actors"]}
    for alias in sorted(tables["actor_aliases"], key=lambda r: (r["actor_id"], r["alias"]), reverse=True):
        if alias["alias_type"] == "acronym":
            short[alias["actor_id"]] = alias["alias"]
    return short


def casualties(resources, tables):
    """One line per casualty row, low..high on a log scale, grouped by event; rows with scope
    aggregate or conflict_total go to a chart of their own, since they must never be added up
    with event rows. Open-ended figures run to the edge; claimed figures are hollow."""
    categories = enum(resources, "casualties", "category")
    scopes = enum(resources, "casualties", "scope")
    colour = colours(categories)
    actors = {a["actor_id"]: a["name"] for a in tables["actors"]}
    short = short_names(tables)
    events = {e["event_id"]: e for e in tables["events"]}
    rows = tables["casualties"]
    top_value = max([int(r["count_high"] or r["count_low"]) for r in rows] + [10])
    decades = max(1, math.ceil(math.log10(top_value)))
    label_w, right_w, top, row_h = 280.0, 340.0, 24.0, 15.0
    x0, x1 = label_w, WIDTH - right_w

    def x(value):
        return x0 + math.log10(max(1, value)) / decades * (x1 - x0)

    def when(event):
        """The source's date words, with the year when the words leave it out."""
        words = event["date_text"]
        if event["date_start"] and event["date_start"][:4] not in words:
            words = f"{words} ({event['date_start'][:4]})".strip()
        return f" — {words}" if words else ""

    def chart(name, chosen, label):
        parts, y = [], top + 4
        groups = defaultdict(list)
        for r in chosen:
            groups[r["event_id"]].append(r)
        order = sorted(groups, key=lambda ev: (events[ev]["date_start"] or "9999", events[ev]["title"], ev))
        for ev in order:
            event = events[ev]
            parts.append(el("text", {"class": "group-label", "x": 4.0, "y": y + 11},
                            f"{event['title']}" + when(event)))
            y += row_h + 2
            for r in sorted(groups[ev], key=lambda r: (actors[r["actor_id"]], r["category"], r["casualty_id"])):
                low, high, open_end = int(r["count_low"]), r["count_high"], not r["count_high"]
                claimed = bool(r["claimed_by"])
                fill, stroke = ("#fff" if claimed else colour[r["category"]]), colour[r["category"]]
                cls = " ".join(c for c in ("claimed" if claimed else "", "open" if open_end else "",
                                           f"scope-{r['scope']}") if c)
                who = f"{short[r['actor_id']]} · {r['category']}" + (f" ({r['scope']})" if r["scope"] != "event" else "")
                note = [f"{actors[r['actor_id']]} · {r['category']}: {r['count_text']} ({r['count_qualifier']}) = {low}..{high or 'no upper bound'}"]
                if claimed:
                    note.append(f"claimed by {actors[r['claimed_by']]}")
                if r["inflicted_by"]:
                    note.append(f"inflicted by {actors[r['inflicted_by']]}")
                title = el("title", {}, "\n".join(note))
                parts.append(el("text", {"class": "label", "x": label_w - 8, "y": y + 9, "text-anchor": "end"}, who))
                cy = y + 5
                if not open_end and int(high) == low:
                    parts.append(el("circle", {**mark_attrs("casualties", r["casualty_id"], cls), "cx": x(low), "cy": cy,
                                               "r": 4.0, "fill": fill, "stroke": stroke, "stroke-width": 1.5}, title))
                else:
                    end = x1 if open_end else x(int(high))
                    parts.append(el("rect", {**mark_attrs("casualties", r["casualty_id"], cls), "x": x(low), "y": cy - 4,
                                             "width": max(end - x(low), 3.0), "height": 8.0, "fill": fill, "stroke": stroke,
                                             "stroke-width": 1.5}, title))
                    if open_end:
                        parts.append(el("path", {"class": "open-arrow", "d": f"M{num(x1)},{num(cy - 6)} L{num(x1 + 8)},{num(cy)} "
                                                 f"L{num(x1)},{num(cy + 6)} z", "fill": stroke}))
                words = r["count_text"] + (f" — claimed by {short[r['claimed_by']]}" if claimed else "")
                parts.append(el("text", {"class": "value", "x": x1 + 14, "y": y + 9}, words))
                y += row_h
            y += 6
        grid = []
        for d in range(decades + 1):
            grid.append(el("line", {"class": "grid", "x1": x(10 ** d), "x2": x(10 ** d), "y1": top, "y2": y}))
            grid.append(el("text", {"class": "tick", "x": x(10 ** d) + 2, "y": top - 6}, f"{10 ** d:,}"))
        return svg(name, WIDTH, y + 4, label, *grid, *parts)

    event_rows = [r for r in rows if r["scope"] == scopes[0]]
    total_rows = [r for r in rows if r["scope"] != scopes[0]]
    keys = [(c, swatch(colour[c])) for c in categories if any(r["category"] == c for r in rows)]
    keys.append(("claimed by a party (hollow)", swatch("#555", hollow=True)))
    return {"event_chart": chart("casualties", event_rows, f"{len(event_rows)} casualty figures of single events"),
            "total_chart": chart("casualty-totals", total_rows, f"{len(total_rows)} aggregate and conflict-total figures"),
            "event_rows": len(event_rows), "total_rows": len(total_rows), "legend": legend(keys),
            "scope_event": scopes[0], "total_scopes": scopes[1:],
            "open": sum(1 for r in rows if not r["count_high"]), "claimed": sum(1 for r in rows if r["claimed_by"])}


# ---------------------------------------------------------------- conflicts and dyads

def conflicts(tables):
    """The conflict tree (by name, with its events and dyads), and deaths by dyad and year by the
    codebook's rule (casualty rows with scope event and an empty part_of, best figure), with the
    figures a party claims apart from the rest."""
    names, actors = conflict_names(tables), {a["actor_id"]: a["name"] for a in tables["actors"]}
    children = defaultdict(list)
    for c in sorted(tables["conflicts"], key=lambda c: c["name"]):
        children[c["parent_conflict_id"]].append(c["conflict_id"])
    events = {e["event_id"]: e for e in tables["events"]}
    n_events, n_dyads = Counter(e["conflict"] for e in events.values()), Counter(d["conflict_id"] for d in tables["dyads"])

    def tree(parent):
        return [{"id": c, "name": names[c], "events": n_events[c], "dyads": n_dyads[c], "children": tree(c)} for c in children[parent]]
    deaths = CONVENTIONS["deaths"]["categories"]
    cells, years = defaultdict(lambda: [0, 0]), set()
    for c in tables["casualties"]:
        e = events[c["event_id"]]
        if c["category"] not in deaths or c["scope"] != "event" or c["part_of"] or not e["dyad_id"]:
            continue
        same_year = e["date_start"] and e["date_end"] and e["date_start"][:4] == e["date_end"][:4]
        year = e["date_start"][:4] if same_year else "?"
        years.add(year)
        cells[(e["dyad_id"], year)][1 if c["claimed_by"] else 0] += int(c["count_best"] or c["count_low"])
    year_list = sorted(y for y in years if y != "?") + (["?"] if "?" in years else [])
    dyads = sorted({d for d, _ in cells}, key=lambda d: d)
    by_id = {d["dyad_id"]: d for d in tables["dyads"]}
    rows = [{"dyad": d, "name": f"{actors[by_id[d]['side_a']]} vs {actors[by_id[d]['side_b']]}",
             "conflict": names[by_id[d]["conflict_id"]], "violence": by_id[d]["type_of_violence"],
             "cells": [cells.get((d, y)) for y in year_list]} for d in dyads]
    return {"tree": tree(""), "years": year_list, "rows": rows, "count": len(tables["conflicts"])}


# ---------------------------------------------------------------- data.js

def evidence_links(resources):
    """How a row of each table finds its evidence: its own key (tables evidence points at), the
    first foreign key into such a table, the row itself (evidence), its document (sources), or
    the evidence of the record rows that point at it (a place: the events there)."""
    record_tables = enum(resources, "evidence", "record_table")
    evidence_fks = resources["evidence"]["schema"].get("foreignKeys", [])
    links = {}
    for name, resource in resources.items():
        schema, columns = resource["schema"], [f["name"] for f in resource["schema"]["fields"]]
        if name == "evidence":
            links[name] = {"kind": "self"}
        elif name in record_tables and len(schema["primaryKey"]) == 1:
            links[name] = {"kind": "record", "target": name, "column": columns.index(schema["primaryKey"][0])}
        elif any(fk["reference"]["resource"] == name for fk in evidence_fks):
            fk = next(fk for fk in evidence_fks if fk["reference"]["resource"] == name)
            links[name] = {"kind": "document", "column": columns.index(fk["reference"]["fields"][0])}
        else:
            fk = next((fk for fk in schema.get("foreignKeys", []) if fk["reference"]["resource"] in record_tables
                       and len(fk["fields"]) == 1), None)
            if fk:
                links[name] = {"kind": "record", "target": fk["reference"]["resource"], "column": columns.index(fk["fields"][0])}
                continue
            # a table only record tables point at (places): the evidence of the rows that name it
            for other in record_tables:
                ref = next((fk for fk in resources[other]["schema"].get("foreignKeys", [])
                            if fk["reference"]["resource"] == name and len(fk["fields"]) == 1), None)
                if ref:
                    links[name] = {"kind": "referrers", "table": other, "column": ref["fields"][0],
                                   "key": columns.index(schema["primaryKey"][0])}
                    break
    return links


def page_data(descriptor, resources, tables, texts):
    """Everything the page's script needs, once: table rows, the raw documents of the `full`
    sources only, and per evidence row of those the quote's and its paragraph's offsets in UTF-16
    units (JavaScript's string indexes); null for the rows of any other source."""
    data = {"tables": {}, "documents": texts, "sources": {}, "links": evidence_links(resources),
            "spans": [], "records": defaultdict(lambda: defaultdict(list))}
    for name, resource in resources.items():
        fields = resource["schema"]["fields"]
        data["tables"][name] = {"columns": [f["name"] for f in fields], "types": [f["type"] for f in fields],
                                "descriptions": [f["description"] for f in fields],
                                "key": resource["schema"]["primaryKey"],
                                "rows": [[row[f["name"]] for f in fields] for row in tables[name]]}
    for s in tables["sources"]:
        data["sources"][s["source_id"]] = {k: s[k] for k in ("title", "publisher", "reliability", "reliability_reason", "url",
                                                             "license", "redistribution", "redistribution_reason")}
    to_utf16 = {sid: utf16_offsets(text) for sid, text in texts.items()}
    for i, row in enumerate(tables["evidence"]):
        start, end = int(row["char_start"]), int(row["char_end"])
        if row["source_id"] in texts:  # a source whose text is not published has no passage around its quotes
            first, last = context_span(texts[row["source_id"]], start, end)
            u = to_utf16[row["source_id"]]
            data["spans"].append([u(start), u(end), u(first), u(last)])
        else:
            data["spans"].append(None)
        data["records"][row["record_table"]][row["record_id"]].append(i)
    return (f"// generated by `python -m pipeline site` from the validated package; do not edit\n"
            f"window.AQ = {script_json(data)};\n").encode("utf-8")


def script_json(obj):
    """JSON that is also safe inside any script context: no "</script>", no "<!--", no raw
    line separators; sorted keys so the bytes repeat."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


# ---------------------------------------------------------------- the page

def render():
    """{relative path: bytes} of the whole site."""
    descriptor, resources, tables, quality = load()
    texts = documents(tables["sources"], tables["evidence"])
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ASSETS), autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    context = {
        "package": descriptor, "quality": quality, "tables": tables, "resources": resources,
        "overview": overview(resources, tables, quality), "timeline": timeline(resources, tables["events"], conflict_names(tables)),
        "conflicts": conflicts(tables), "map": event_map(tables),
        "network": network(resources, tables), "casualties": casualties(resources, tables),
        "network_relations": NETWORK_RELATIONS,
        "json_ld": Markup(script_json(read_json(PACKAGE / "croissant.json"))),
    }
    files = {"index.html": env.get_template("index.html.j2").render(**context).encode("utf-8"),
             "data.js": page_data(descriptor, resources, tables, texts)}
    for name in STATIC_ASSETS:
        files[name] = (ASSETS / name).read_bytes()
    return files


def site():
    check_recorded("package", "validate")  # the package and report as validated, not altered since
    files = render()
    write_folder("site", OUT, files)
    size = sum(len(d) for d in files.values())
    print(f"site: wrote {len(files)} files ({size / 1024:.0f} KiB) to {rel(OUT)}/", file=sys.stderr, flush=True)
