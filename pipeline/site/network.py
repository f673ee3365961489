"""The network: actors as lanes on a time axis, pledges and lineage relations as arcs."""
import datetime
from collections import Counter

from ..files import PipelineError
from .layout import MOST_MARKS, MOST_ROWS, NETWORK as L, WIDTH
from .read import colours, enum
from .selection import largest
from .svg import TimeAxis, el, legend, mark_attrs, num, parse_date, svg, swatch

# The relations that change what a group is (lineage), drawn in the network with the pledges;
# leadership, membership and alliances of people would turn it into a hairball and stay in the table.
NETWORK_RELATIONS = ("renamed_to", "merged_into", "split_from", "successor_of", "branch_of")


def edges_of(tables):
    """Pledges and lineage relations as edges, the dated ones sorted for drawing, and the undated."""
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
    return edges, undated


def network(resources, tables):
    """Actors as lanes on a time axis; each dated pledge or lineage relation is an arc from the
    pledger (subject) to the pledgee (object) at the middle of its date range."""
    relation_types = enum(resources, "relations", "relation")
    missing = [r for r in NETWORK_RELATIONS if r not in relation_types]
    if missing:
        raise PipelineError("pipeline/site/network.py", 0, f"NETWORK_RELATIONS names {missing}, not values of relations.relation",
                            "use values listed in schemas/fields.yaml")
    pledge_types = enum(resources, "pledges", "pledge_type")
    colour = {**colours(pledge_types), **colours(NETWORK_RELATIONS)}
    actors = {a["actor_id"]: a for a in tables["actors"]}
    every_edge, every_undated = edges_of(tables)
    # too many to draw: the pairs of actors with the most rows between them
    pairs = Counter((e["source"], e["target"]) for e in every_edge)
    kept = largest(pairs, MOST_MARKS)
    edges, undated = [e for e in every_edge if (e["source"], e["target"]) in kept][:MOST_MARKS], every_undated[:MOST_ROWS]
    alignments = enum(resources, "actors", "alignment")
    first_seen = {}
    for e in edges:
        for a in (e["source"], e["target"]):
            first_seen.setdefault(a, e["start"])
    lanes = sorted(first_seen, key=lambda a: (alignments.index(actors[a]["alignment"]), first_seen[a], actors[a]["name"]))
    label_w, lane_h, top = L["label_w"], L["lane_h"], L["top"]
    axis = TimeAxis([parse_date(e["start"]) for e in edges] + [parse_date(e["end"]) for e in edges], label_w, WIDTH - L["right"])
    y_of, y, group = {}, top + L["first_dy"], None
    for a in lanes:  # a header row before each alignment group
        if actors[a]["alignment"] != group:
            group, y = actors[a]["alignment"], y + lane_h
        y += lane_h
        y_of[a] = y
    bottom = y + lane_h
    size = num(L["arrow"])
    parts = [el("defs", {}, *[el("marker", {"id": f"arrow-{k}", "viewBox": f"0 0 {size} {size}", "refX": num(L["arrow"] - 1),
                                            "refY": num(L["arrow"] / 2), "markerWidth": size, "markerHeight": size,
                                            "markerUnits": "userSpaceOnUse", "orient": "auto-start-reverse"},
                                 el("path", {"d": f"M0,0 L{size},{num(L['arrow'] / 2)} L0,{size} z", "fill": colour[k]}))
                              for k in sorted(colour)])]
    parts += axis.ticks(top, bottom)
    group = None
    for a in lanes:
        y = y_of[a]
        if actors[a]["alignment"] != group:
            group = actors[a]["alignment"]
            parts.append(el("text", {"class": "group-label", "x": L["group_x"], "y": y - lane_h + L["group_dy"]},
                            f"alignment {group}"))
        parts.append(el("line", {"class": "lane", "x1": label_w, "x2": axis.x1, "y1": y, "y2": y}))
        life = [parse_date(actors[a]["founded_start"]), parse_date(actors[a]["dissolved_end"])]
        if life[0] or life[1]:
            x0 = axis.x(max(life[0], axis.first)) if life[0] else axis.x0
            x1 = axis.x(min(life[1], axis.last)) if life[1] else axis.x1
            if x1 > x0:
                parts.append(el("line", {"class": "life", "x1": x0, "x2": x1, "y1": y, "y2": y},
                                el("title", {}, f"{actors[a]['name']}: founded {actors[a]['founded_text'] or '?'}"
                                                f", ended {actors[a]['dissolved_text'] or '?'}")))
        parts.append(el("text", {"class": "label", "x": label_w - L["label_dx"], "y": y + L["text_dy"], "text-anchor": "end"},
                        actors[a]["name"]))
    seen = Counter()
    for e in edges:
        start, end = parse_date(e["start"]), parse_date(e["end"]) + datetime.timedelta(days=1)
        x = (axis.x(start) + axis.x(end)) / 2
        y0, y1 = y_of[e["source"]], y_of[e["target"]]
        key = (round(x / L["bundle_px"]), e["source"], e["target"])
        bulge = min(L["max_bulge"], abs(y1 - y0) * L["bulge_share"]) + L["bulge_min"] + L["bulge_step"] * seen[key]
        seen[key] += 1
        who = f"{actors[e['source']]['name']} {e['kind'].replace('_', ' ')} {actors[e['target']]['name']}"
        note = f"{who}\n{e['text'] or e['start']} ({e['table']})" + (f"\nclaimed by {actors[e['claimed_by']]['name']}"
                                                                     if e["claimed_by"] else "")
        if axis.x(end) - axis.x(start) > L["range_min"]:
            parts.append(el("line", {"class": "range", "x1": axis.x(start), "x2": axis.x(end), "y1": y0, "y2": y0,
                                     "stroke": colour[e["kind"]]}))
        parts.append(el("path", {**mark_attrs(e["table"], e["id"], "edge dashed" if e["dashed"] else "edge"),
                                 "data-kind": e["kind"],
                                 "d": f"M{num(x)},{num(y0)} C{num(x + bulge)},{num(y0)} {num(x + bulge)},{num(y1)} {num(x)},{num(y1)}",
                                 "stroke": colour[e["kind"]], "marker-end": f"url(#arrow-{e['kind']})"},
                        el("title", {}, note)))
        parts.append(el("circle", {"class": "claimed" if e["claimed_by"] else "end", "cx": x, "cy": y0, "r": L["end_r"],
                                   "stroke": colour[e["kind"]], "fill": "#fff" if e["claimed_by"] else colour[e["kind"]]}))
    chart = svg("network", WIDTH, bottom + L["bottom"], f"{len(edges)} dated pledges and lineage relations between {len(lanes)} actors",
                *parts)
    kinds = [k for k in pledge_types + list(NETWORK_RELATIONS) if any(e["kind"] == k for e in every_edge + every_undated)]
    keys = legend([(k, swatch(colour[k], dashed=k in NETWORK_RELATIONS)) for k in kinds])
    other = Counter(r["relation"] for r in tables["relations"] if r["relation"] not in NETWORK_RELATIONS)
    return {"chart": chart, "legend": keys, "edges": len(edges), "dated": len(every_edge), "lanes": len(lanes), "undated": undated,
            "undated_count": len(every_undated),
            "actors": actors, "not_drawn": sorted(other.items())}
