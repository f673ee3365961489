"""Conflicts, dyads and counts that add up, checked on the real build: every conflict and dyad an
event names exists, sides have one order, event deaths are the casualty rows they come from, and
summing the rows whose part_of is empty never counts a subset twice."""
import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from pipeline.conventions import CONVENTIONS

pytestmark = pytest.mark.data

BUILD = Path(__file__).resolve().parents[2] / "build"
DEATHS = CONVENTIONS["deaths"]["categories"]


def rows(table):
    with open(BUILD / f"{table}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def num(value):
    return int(value) if value != "" else None


@pytest.fixture(scope="module")
def t():
    return {name: rows(name) for name in ("conflicts", "dyads", "events", "event_actors", "casualties", "actors", "evidence")}


def test_every_events_conflict_names_a_conflict_with_a_name_and_evidence(t):
    conflicts = {c["conflict_id"]: c for c in t["conflicts"]}
    assert {e["conflict"] for e in t["events"]} <= set(conflicts)
    quoted = {e["record_id"] for e in t["evidence"] if e["record_table"] == "conflicts"}
    assert set(conflicts) <= quoted
    assert all(c["name"] and c["name"] != c["conflict_id"] for c in conflicts.values())


def test_the_conflict_tree_nests_the_jnim_isgs_war_in_the_aq_is_conflict_and_has_no_cycle(t):
    parent = {c["conflict_id"]: c["parent_conflict_id"] for c in t["conflicts"]}
    assert parent["jnim-isgs-war"] == "al-qaeda-islamic-state-conflict"
    for c in parent:
        seen = set()
        while c:
            assert c not in seen
            seen.add(c)
            c = parent[c]


def test_every_violent_event_with_two_parties_has_a_dyad_that_resolves(t):
    dyads = {d["dyad_id"]: d for d in t["dyads"]}
    parties = defaultdict(set)
    for ea in t["event_actors"]:
        parties[ea["event_id"]].add(ea["role"])
    for e in t["events"]:
        two_sides = {"side_a", "side_b"} <= parties[e["event_id"]] or {"perpetrator", "target"} <= parties[e["event_id"]]
        if e["event_category"] == "violent" and two_sides:
            assert e["dyad_id"] in dyads, e["event_id"]
            assert e["type_of_violence"] == dyads[e["dyad_id"]]["type_of_violence"]
            assert dyads[e["dyad_id"]]["conflict_id"] == e["conflict"]
        if e["event_category"] != "violent":
            assert e["dyad_id"] == "" and e["type_of_violence"] == ""


def test_a_pair_of_parties_has_one_side_order(t):
    pairs = defaultdict(set)
    for d in t["dyads"]:
        pairs[frozenset((d["side_a"], d["side_b"]))].add((d["side_a"], d["side_b"]))
    assert all(len(orders) == 1 for orders in pairs.values()), [o for o in pairs.values() if len(o) > 1]
    jnim_isgs = pairs[frozenset(("jnim", "islamic-state-sahel-province"))]
    assert jnim_isgs == {("jnim", "islamic-state-sahel-province")}
    assert pairs[frozenset(("taliban", "islamic-state-khorasan-province"))] == {("islamic-state-khorasan-province", "taliban")}


def test_state_first_in_state_based_and_civilians_second_in_one_sided_dyads(t):
    kind = {a["actor_id"]: a["actor_type"] for a in t["actors"]}
    for d in t["dyads"]:
        if d["type_of_violence"] == "1":
            assert kind[d["side_a"]] in CONVENTIONS["dyads"]["state_types"], d["dyad_id"]
        if d["type_of_violence"] == "3":
            assert kind[d["side_b"]] == "civilians" and kind[d["side_a"]] != "civilians", d["dyad_id"]


def test_event_actors_sides_follow_the_dyads_order(t):
    dyads = {d["dyad_id"]: d for d in t["dyads"]}
    role_of = {(ea["event_id"], ea["actor_id"]): ea["role"] for ea in t["event_actors"] if ea["role"] in ("side_a", "side_b")}
    checked = 0
    for e in t["events"]:
        d = dyads.get(e["dyad_id"])
        if d and (e["event_id"], d["side_a"]) in role_of:
            assert role_of[(e["event_id"], d["side_a"])] == "side_a", e["event_id"]
            assert role_of.get((e["event_id"], d["side_b"]), "side_b") == "side_b", e["event_id"]
            checked += 1
    assert checked > 30


def test_event_deaths_are_the_counted_casualty_rows_and_split_into_best(t):
    counted = defaultdict(list)
    for c in t["casualties"]:
        if c["category"] in DEATHS and c["scope"] == "event" and not c["part_of"]:
            counted[c["event_id"]].append(c)
    for e in t["events"]:
        rs = counted.get(e["event_id"], [])
        if not rs:
            assert e["deaths_low"] == e["deaths_best"] == e["deaths_high"] == "" and e["deaths_open_ended"] == "false"
            continue
        assert num(e["deaths_low"]) == sum(int(c["count_low"]) for c in rs)
        open_ended = any(c["count_high"] == "" for c in rs)
        assert (e["deaths_open_ended"] == "true") == open_ended == (e["deaths_high"] == "")
        parts = [num(e[f"deaths_{p}"]) for p in ("a", "b", "civilians", "unknown")]
        assert sum(parts) == num(e["deaths_best"]) >= num(e["deaths_low"])
        if not open_ended:
            assert num(e["deaths_best"]) <= num(e["deaths_high"])


def test_summing_rows_with_empty_part_of_never_counts_a_subset_twice(t):
    """Where the sources say one figure contains others (part_of), the rule sums the container
    alone; the contained figures fit inside it, and each names a figure of its own category."""
    by_id = {c["casualty_id"]: c for c in t["casualties"]}
    children = defaultdict(list)
    for c in t["casualties"]:
        if c["part_of"]:
            children[c["part_of"]].append(c)
    assert children, "no figure says it is part of another"
    for parent_id, subset in children.items():
        parent = by_id[parent_id]
        assert all(c["category"] == parent["category"] for c in subset)
        if parent["count_high"]:
            assert sum(int(c["count_low"]) for c in subset) <= int(parent["count_high"]), parent_id
    # the ~245 who surrendered at Darzab contain the child soldiers and the foreign fighters
    surrender = [c for c in t["casualties"] if c["event_id"] == "darzab-2-iskp-surrender" and c["category"] == "surrendered"]
    summed = [c for c in surrender if not c["part_of"]]
    assert [c["casualty_id"] for c in summed] == ["darzab-2-iskp-surrendered"]
    assert sum(int(c["count_low"]) for c in surrender) > sum(int(c["count_low"]) for c in summed)


def test_every_total_says_what_it_covers_and_nested_totals_are_linked(t):
    for c in t["casualties"]:
        if c["scope"] == "event":
            assert c["covers_conflict_id"] == c["covers_dyad_id"] == c["covers_actor_id"] == ""
        else:
            assert c["covers_conflict_id"], c["casualty_id"]
    by_id = {c["casualty_id"]: c for c in t["casualties"]}
    assert by_id["jnim-isgs-war-deaths-total"]["part_of"] == "al-qaeda-islamic-state-conflict-killed-total"
    assert by_id["jnim-isgs-war-fighters-killed-2019-2021"]["covers_dyad_id"] == "jnim-isgs-war--jnim--islamic-state-sahel-province"


def test_the_quality_report_puts_event_sums_beside_every_total(t):
    import json
    report = json.loads((BUILD / "quality.json").read_text())["sums_beside_totals"]
    listed = {tt["casualty_id"] for s in report for tt in s["totals"]}
    totals = {c["casualty_id"] for c in t["casualties"] if c["scope"] != "event" and c["category"] in DEATHS}
    assert listed == totals
    jnim = next(s for s in report if s["id"] == "jnim-isgs-war")
    assert jnim["deaths_low"] == sum(int(e["deaths_low"]) for e in t["events"] if e["conflict"] == "jnim-isgs-war" and e["deaths_low"])


def test_a_violent_event_without_a_dyad_says_why_and_is_listed_in_the_codebook(t):
    """The guide's rule: a violent event whose passage names one party says so in its note (the
    coders' notes of every source are in .work/coded/, published or not), and the codebook lists
    it, so a sum by dyad says what it leaves out."""
    notes = {}
    for path in sorted((BUILD.parent / ".work" / "coded").glob("*.json")):
        for e in json.loads(path.read_text(encoding="utf-8"))["records"]["events"]:
            notes[e["id"]] = notes.get(e["id"], "") + " " + (e.get("note") or "")
    without = [e["event_id"] for e in t["events"] if e["event_category"] == "violent" and not e["dyad_id"]]
    codebook = (BUILD / "docs" / "codebook.md").read_text(encoding="utf-8")
    assert [i for i in without if "opponent" not in notes[i].lower()] == []
    assert [i for i in without if f"`{i}`" not in codebook] == []
