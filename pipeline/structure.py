"""The structure conflict researchers analyse by, derived in link from the coded rows: conflicts as
a tree (events.conflict and casualty totals point into it), dyads in one canonical side order with
UCDP's type of violence (the `dyads` rule of pipeline/conventions.yaml), event deaths as GED has
them (the `deaths` rule), and casualty subsets (`part_of`) checked so that summing the rows whose
part_of is empty never counts a person twice."""
from .conventions import CONVENTIONS
from .files import PipelineError

RULE, DEATHS = CONVENTIONS["dyads"], CONVENTIONS["deaths"]


def where(row, key):
    """The sheet and line of a coded row's field (the record's line where the field is not written)."""
    sheet, lines = row["_where"]
    return sheet, lines.get(key, lines.get("id", 0))


def check_conflicts(tables):
    """Every events.conflict and parent_conflict_id names a coded conflict; the tree has no cycle."""
    conflicts = {c["conflict_id"]: c for c in tables["conflicts"]}
    fix = "code the conflict in a `conflicts:` section of a coding sheet (id, name, type, quote) or correct the slug"
    for e in tables["events"]:
        if e["conflict"] not in conflicts:
            raise PipelineError(*where(e, "conflict"), f"conflict {e['conflict']!r} names no coded conflict", fix)
    for c in conflicts.values():
        seen, parent = {c["conflict_id"]}, c.get("parent_conflict_id")
        while parent:
            if parent not in conflicts:
                raise PipelineError(*where(c, "parent"), f"parent {parent!r} names no coded conflict", fix)
            if parent in seen:
                raise PipelineError(*where(c, "parent"), f"conflict {c['conflict_id']!r} is its own ancestor", "give the tree no cycle")
            seen.add(parent)
            parent = conflicts[parent].get("parent_conflict_id")


def ancestors(conflicts, conflict_id):
    """The conflict and the conflicts it is part of, innermost first."""
    by_id, out = {c["conflict_id"]: c for c in conflicts}, []
    while conflict_id:
        out.append(conflict_id)
        conflict_id = by_id[conflict_id].get("parent_conflict_id")
    return out


def _primary(names, registry):
    """A side's primary party: the first actor named, passing over persons when a group is named."""
    groups = [a for a in names if registry[a]["type"] != "person"]
    return (groups or names)[0]


def order_pair(a, b, registry):
    """(side_a, side_b, type_of_violence) of two parties by the dyad rule; a is the first role's party."""
    state = lambda x: registry[x]["type"] in RULE["state_types"]
    civilian = lambda x: registry[x]["type"] in RULE["civilian_types"]
    if state(a) or state(b):
        first, second = sorted((a, b), key=lambda x: (not state(x), x))
        return first, second, 1
    if civilian(a) or civilian(b):
        return (b, a, 3) if civilian(a) else (a, b, 3)
    rank = lambda x: (RULE["alignment_order"].index(registry[x]["alignment"]), x)
    first, second = sorted((a, b), key=rank)
    return first, second, 2


def dyad_id(conflict_id, side_a, side_b):
    return f"{conflict_id}--{side_a}--{side_b}"


def add_dyads(tables, named, registry):
    """Give every violent event with two parties its dyad and type_of_violence, make the dyads
    table, and swap event_actors roles side_a/side_b where the sheet coded them the other way.
    `named` is {(event_id, role): [actor_id in the order the sheet names them]}."""
    dyads, swapped, members = {}, set(), {}
    for e in tables["events"]:
        e["dyad_id"] = e["type_of_violence"] = None
        members[e["event_id"]] = {}
        if e["event_category"] != "violent":
            continue
        roles = next((r for r in RULE["side_roles"] if all(named.get((e["event_id"], x)) for x in r)), None)
        if roles is None:
            continue
        first, second = (_primary(named[(e["event_id"], r)], registry) for r in roles)
        side_a, side_b, violence = order_pair(first, second, registry)
        if first == second:
            continue
        role_of = {"a": roles[0], "b": roles[1]} if side_a == first else {"a": roles[1], "b": roles[0]}
        members[e["event_id"]] = {side: set(named[(e["event_id"], role)]) for side, role in role_of.items()}
        if side_a != first and roles[0] == "side_a":
            swapped.add(e["event_id"])
        e["dyad_id"], e["type_of_violence"] = dyad_id(e["conflict"], side_a, side_b), violence
        d = dyads.setdefault(e["dyad_id"], {"dyad_id": e["dyad_id"], "side_a": side_a, "side_b": side_b, "conflict_id": e["conflict"],
                                            "type_of_violence": violence, "event_count": 0, "starts": [], "ends": []})
        d["event_count"] += 1
        if e["date_start"]:
            d["starts"].append(e["date_start"])
            d["ends"].append(e["date_end"])
    for d in dyads.values():
        d["first_event_date"] = min(d["starts"]) if d["starts"] else None
        d["last_event_date"] = max(d["ends"]) if d["ends"] and all(d["ends"]) else None
    tables["dyads"] = list(dyads.values())
    flip = {"side_a": "side_b", "side_b": "side_a"}
    for ea in tables["event_actors"]:
        if ea["event_id"] in swapped and ea["role"] in flip:
            ea["role"] = flip[ea["role"]]
    return members


def check_casualties(tables, registry):
    """part_of names a row of the same category that can hold the subset; totals say what they cover
    (their event's conflict unless the sheet's `covers` says more)."""
    rows = {c["casualty_id"]: c for c in tables["casualties"]}
    events = {e["event_id"]: e for e in tables["events"]}
    conflicts = {c["conflict_id"] for c in tables["conflicts"]}
    dyads = {d["dyad_id"] for d in tables["dyads"]}
    for c in rows.values():
        parent = rows.get(c.get("part_of")) if c.get("part_of") else None
        if c.get("part_of"):
            problem = ("names no coded casualty row" if parent is None else
                       "is the row itself" if parent is c else
                       f"has category {parent['category']}, not {c['category']}" if parent["category"] != c["category"] else
                       f"is smaller ({parent['count_text']}) than the subset ({c['count_text']})"
                       if parent["count_high"] is not None and parent["count_high"] < c["count_low"] else "")
            if problem:
                raise PipelineError(*where(c, "part_of"), f"part_of {c['part_of']!r} {problem}",
                                    "point part_of at the figure of the same category that contains this one")
        covers = c.pop("covers", None) or {}
        c["covers_conflict_id"] = c["covers_dyad_id"] = c["covers_actor_id"] = None
        if c["scope"] == "event":
            continue
        c["covers_conflict_id"] = covers.get("conflict") or events[c["event_id"]]["conflict"]
        if c["covers_conflict_id"] not in conflicts:
            raise PipelineError(*where(c, "covers"), f"covers conflict {c['covers_conflict_id']!r} names no coded conflict", "correct the slug")
        if covers.get("sides"):
            side_a, side_b, _ = order_pair(*covers["sides"], registry)
            c["covers_dyad_id"] = dyad_id(c["covers_conflict_id"], side_a, side_b)
            if c["covers_dyad_id"] not in dyads:
                raise PipelineError(*where(c, "covers"), f"no event of {c['covers_conflict_id']} has the dyad {side_a} / {side_b}",
                                    "name the two parties as events of that conflict name them, or drop `sides`")
        c["covers_actor_id"] = covers.get("actor")
    for c in rows.values():  # no cycles of part_of
        seen, parent = {c["casualty_id"]}, c.get("part_of")
        while parent:
            if parent in seen:
                raise PipelineError(*where(c, "part_of"), f"part_of of {c['casualty_id']!r} runs in a circle", "give part_of no cycle")
            seen.add(parent)
            parent = rows[parent].get("part_of")


def counted(casualties):
    """The casualty rows that the `deaths` rule sums: deaths of single events, subsets left out."""
    return [c for c in casualties if c["category"] in DEATHS["categories"] and c["scope"] == "event" and not c.get("part_of")]


def row_best(c):
    return c["count_best"] if c["count_best"] is not None else c["count_low"]


def add_deaths(tables, members, registry):
    """Event deaths by the `deaths` rule: low, high, best, best by party, and the open-ended flag."""
    by_event = {}
    for c in counted(tables["casualties"]):
        by_event.setdefault(c["event_id"], []).append(c)
    for e in tables["events"]:
        rows = by_event.get(e["event_id"], [])
        bounded = all(c["count_high"] is not None for c in rows)
        e["deaths_low"] = sum(c["count_low"] for c in rows) if rows else None
        e["deaths_high"] = sum(c["count_high"] for c in rows) if rows and bounded else None
        e["deaths_open_ended"] = bool(rows) and not bounded
        e["deaths_best"] = sum(row_best(c) for c in rows) if rows else None
        split = {"a": 0, "b": 0, "civilians": 0, "unknown": 0}
        for c in rows:
            side = ("civilians" if registry[c["actor_id"]]["type"] in RULE["civilian_types"] else
                    next((s for s, actors in members[e["event_id"]].items() if c["actor_id"] in actors), "unknown"))
            split[side] += row_best(c)
        for side, value in split.items():
            e[f"deaths_{side}"] = value if rows else None


def sums_beside_totals(tables):
    """For every conflict (with the conflicts inside it) and every dyad: the sum of its events'
    deaths by the `deaths` rule, beside every total that says it covers it. A reader sees at once
    where the event rows fall short of a total, or where a total nests inside another."""
    events, conflicts = tables["events"], tables["conflicts"]
    totals = [c for c in tables["casualties"] if c["scope"] != "event" and c["category"] in DEATHS["categories"]]

    def summed(rows):
        with_deaths = [e for e in rows if e["deaths_low"] is not None]
        return {"events": len(rows), "events_with_deaths": len(with_deaths),
                "deaths_low": sum(e["deaths_low"] for e in with_deaths), "deaths_best": sum(e["deaths_best"] for e in with_deaths),
                "deaths_high": None if any(e["deaths_open_ended"] for e in with_deaths) else sum(e["deaths_high"] for e in with_deaths),
                "claimed_best": sum(e["deaths_best"] for e in with_deaths if e["claimed_by"])}

    def listed(rows):
        return [{k: t[k] for k in ("casualty_id", "count_text", "count_low", "count_high", "date_text", "part_of")} for t in rows]
    # one pass over events and totals (a scan per conflict and dyad grew with their product)
    in_conflict, in_dyad, conflict_totals, dyad_totals = {}, {}, {}, {}
    lineage = {}
    for e in events:
        if e["conflict"] not in lineage:
            lineage[e["conflict"]] = ancestors(conflicts, e["conflict"]) if e["conflict"] else []
        for conflict_id in lineage[e["conflict"]]:
            in_conflict.setdefault(conflict_id, []).append(e)
        in_dyad.setdefault(e["dyad_id"], []).append(e)
    for t in totals:
        if t["covers_dyad_id"]:
            dyad_totals.setdefault(t["covers_dyad_id"], []).append(t)
        elif t["covers_conflict_id"]:
            conflict_totals.setdefault(t["covers_conflict_id"], []).append(t)
    out = []
    for c in sorted(conflicts, key=lambda c: c["conflict_id"]):
        out.append({"kind": "conflict", "id": c["conflict_id"], "name": c["name"], **summed(in_conflict.get(c["conflict_id"], [])),
                    "totals": listed(conflict_totals.get(c["conflict_id"], []))})
    for d in sorted(tables["dyads"], key=lambda d: d["dyad_id"]):
        out.append({"kind": "dyad", "id": d["dyad_id"], "name": f"{d['side_a']} / {d['side_b']}",
                    **summed(in_dyad.get(d["dyad_id"], [])), "totals": listed(dyad_totals.get(d["dyad_id"], []))})
    return out
