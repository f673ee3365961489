"""The conflict tree and deaths by dyad and year (tables in the page, not SVG)."""
from collections import Counter, defaultdict

from ..conventions import CONVENTIONS
from .read import conflict_names


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
    dyads = sorted({d for d, _ in cells})
    by_id = {d["dyad_id"]: d for d in tables["dyads"]}
    rows = [{"dyad": d, "name": f"{actors[by_id[d]['side_a']]} vs {actors[by_id[d]['side_b']]}",
             "conflict": names[by_id[d]["conflict_id"]], "violence": by_id[d]["type_of_violence"],
             "cells": [cells.get((d, y)) for y in year_list]} for d in dyads]
    return {"tree": tree(""), "years": year_list, "rows": rows, "count": len(tables["conflicts"])}
