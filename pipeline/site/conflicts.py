"""The conflict tree and deaths by dyad and year (tables in the page, not SVG)."""
from collections import Counter, defaultdict

from ..conventions import CONVENTIONS
from .layout import MOST_ROWS
from .read import conflict_names
from .selection import largest


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

    def size(node):  # the nodes of a branch, and its events
        inner = [size(c) for c in node["children"]]
        return 1 + sum(n for n, _ in inner), node["events"] + sum(e for _, e in inner)
    # too many conflicts to list: the top-level branches with the most events, whole
    roots = {node["id"]: (node, *size(node)) for node in tree("")}
    kept = largest({c: n for c, (_, n, _) in roots.items()}, MOST_ROWS, rank=lambda c: (-roots[c][2], c))
    shown = [node for c, (node, _, _) in roots.items() if c in kept]
    deaths = CONVENTIONS["deaths"]["categories"]
    cells = defaultdict(lambda: [0, 0])
    for c in tables["casualties"]:
        e = events[c["event_id"]]
        if c["category"] not in deaths or c["scope"] != "event" or c["part_of"] or not e["dyad_id"]:
            continue
        same_year = e["date_start"] and e["date_end"] and e["date_start"][:4] == e["date_end"][:4]
        year = e["date_start"][:4] if same_year else "?"
        cells[(e["dyad_id"], year)][1 if c["claimed_by"] else 0] += int(c["count_best"] or c["count_low"])
    # too many dyads for a row each: those with the most deaths, and the years they have figures in
    deaths_of = Counter()
    for (d, _), (told, claimed) in cells.items():
        deaths_of[d] += told + claimed
    kept_dyads = largest(dict.fromkeys(deaths_of, 1), MOST_ROWS, rank=lambda d: (-deaths_of[d], d))
    dyads, years = sorted(kept_dyads), {y for d, y in cells if d in kept_dyads}
    year_list = sorted(y for y in years if y != "?") + (["?"] if "?" in years else [])
    by_id = {d["dyad_id"]: d for d in tables["dyads"]}
    rows = [{"dyad": d, "name": f"{actors[by_id[d]['side_a']]} vs {actors[by_id[d]['side_b']]}",
             "conflict": names[by_id[d]["conflict_id"]], "violence": by_id[d]["type_of_violence"],
             "cells": [cells.get((d, y)) for y in year_list]} for d in dyads]
    return {"tree": shown, "shown": sum(roots[c][1] for c in kept), "years": year_list, "rows": rows, "dyads": len(deaths_of),
            "count": len(tables["conflicts"])}
