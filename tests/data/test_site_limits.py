"""The front page does not grow with the tables: with the limits of pipeline/site/layout.py set
below what the real corpus holds, every chart and list draws at most that many marks or rows, the
groups that matter most, whole, and the page says what it left to the tables view."""
import importlib
import re
from collections import Counter

import pytest

from pipeline import site
from pipeline.site import read, selection

# the chart modules (pipeline.site's own names are their functions)
casualties, conflicts, event_map, network, overview, timeline = (
    importlib.import_module(f"pipeline.site.{name}") for name in ("casualties", "conflicts", "event_map", "network", "overview", "timeline"))

pytestmark = pytest.mark.data

MARKS, ROWS, COLUMNS = 40, 3, 2
TIMELINE_MARKS = 100  # the corpus's busiest conflict has 86 dated events
MAP_MARKS = 20  # fewer than its places with a point


@pytest.fixture(scope="module")
def small():
    """The charts' limits lowered for the module, and the package's tables."""
    with pytest.MonkeyPatch.context() as mp:
        for module in (casualties, conflicts, event_map, network, overview, timeline):
            for name, value in (("MOST_MARKS", MARKS), ("MOST_ROWS", ROWS), ("MOST_COLUMNS", COLUMNS)):
                if hasattr(module, name):
                    mp.setattr(module, name, value)
        mp.setattr(timeline, "MOST_MARKS", TIMELINE_MARKS)
        mp.setattr(event_map, "MOST_MARKS", MAP_MARKS)
        _, resources, tables, quality = read.load()
        yield resources, tables, quality


def marks(chart, tag):
    return re.findall(rf'<{tag} [^>]*class="mark[^"]*"', str(chart))


def test_largest_keeps_whole_groups_most_rows_first_and_always_one():
    assert selection.largest({"a": 2, "b": 3}, 5) == {"a", "b"}
    assert selection.largest({"a": 2, "b": 3, "c": 1}, 4) == {"b", "c"}
    assert selection.largest({"a": 9, "b": 3}, 4) == {"a"}
    assert selection.largest({"a": 1, "b": 1, "c": 1}, 2, rank=lambda k: {"a": 2, "b": 0, "c": 1}[k]) == {"b", "c"}


def test_the_timeline_draws_the_busiest_conflicts_within_the_limit(small):
    resources, tables, _ = small
    out = timeline.timeline(resources, tables["events"], read.conflict_names(tables))
    dated = [e for e in tables["events"] if e["date_start"]]
    per_conflict = Counter(e["conflict"] for e in dated)
    assert out["dated"] == len(dated) > TIMELINE_MARKS and out["drawn"] == len(marks(out["chart"], "rect")) <= TIMELINE_MARKS
    ids = {name: c for c, name in read.conflict_names(tables).items()}
    lanes = {ids[name.replace("&amp;", "&").replace("&#39;", "'")]: int(n)
             for name, n in re.findall(r'class="lane-label"[^>]*>([^<]*) \((\d+)\)', str(out["chart"]))}
    assert len(lanes) == out["lanes"] and all(per_conflict[c] == n for c, n in lanes.items())
    # whole lanes, the busiest first: a lane left out would not have fitted beside those drawn
    assert all(out["drawn"] + n > TIMELINE_MARKS for c, n in per_conflict.items() if c not in lanes)
    assert max(per_conflict.values()) in lanes.values()
    assert len(out["matrix"]["conflicts"]) == COLUMNS + 1 and out["matrix"]["conflicts"][-1][1].endswith("other conflicts")
    assert sum(sum(row) for row in out["matrix"]["cells"].values()) == len(tables["events"])  # every event counted once
    assert len(out["undated"]) <= ROWS and out["undated_count"] == len(tables["events"]) - len(dated)


def test_a_conflict_with_more_events_than_the_limit_draws_its_first_and_says_of_how_many(small, monkeypatch):
    resources, tables, _ = small
    monkeypatch.setattr(timeline, "MOST_MARKS", 10)
    out = timeline.timeline(resources, tables["events"], read.conflict_names(tables))
    busiest, n = Counter(e["conflict"] for e in tables["events"] if e["date_start"]).most_common(1)[0]
    first = sorted((e for e in tables["events"] if e["conflict"] == busiest and e["date_start"]),
                   key=lambda e: (e["date_start"], e["date_end"] or "9", e["event_id"]))[:10]
    assert out["lanes"] == 1 and f"(10 of {n})" in str(out["chart"])
    assert re.findall(r'data-id="([^"]+)"', str(out["chart"])) == [e["event_id"] for e in first]


def test_the_map_draws_one_circle_per_place_for_the_busiest_places(small):
    _, tables, _ = small
    out = event_map.event_map(tables)
    located = [e for e in tables["events"] if e["latitude"]]
    at = Counter(e["place_id"] for e in located)
    assert len(located) > len(at) > MAP_MARKS and out["per_place"]
    circles = re.findall(r'<circle class="place[^"]*"[^>]*data-place="([^"]+)"', str(out["chart"]))
    assert len(circles) == len(set(circles)) == out["drawn"] == MAP_MARKS
    assert min(at[p] for p in circles) >= max([n for p, n in at.items() if p not in circles], default=0)
    assert 'data-id="' not in str(out["chart"])  # no circle stands for one event


def test_the_network_draws_the_pairs_with_the_most_rows(small):
    resources, tables, _ = small
    out = network.network(resources, tables)
    assert out["dated"] > MARKS and len(marks(out["chart"], "path")) == out["edges"] <= MARKS
    assert len(out["undated"]) <= ROWS


def test_casualties_draw_the_events_with_the_largest_figures(small):
    resources, tables, _ = small
    out = casualties.casualties(resources, tables)
    for chart, drawn, rows in ((out["event_chart"], out["event_drawn"], out["event_rows"]),
                               (out["total_chart"], out["total_drawn"], out["total_rows"])):
        figures = marks(chart, "rect") + marks(chart, "circle")
        assert len(figures) == drawn and (drawn <= ROWS or len(set(re.findall(r'class="group-label"', str(chart)))) == 1)
        assert drawn < rows


def test_overview_and_conflicts_list_at_most_the_limit(small):
    resources, tables, quality = small
    out = overview.overview(resources, tables, quality)
    assert len(out["sources"]) == ROWS < out["sources_count"] == len(tables["sources"])
    assert f"quotes of the {ROWS} of {len(tables['sources'])} sources that support the most" in str(out["chart"])
    out = conflicts.conflicts(tables)
    assert out["shown"] < out["count"] and len(out["rows"]) <= ROWS < out["dyads"]


def test_the_page_says_what_it_leaves_to_the_tables_view(small):
    page = site.render()["index.html"].decode("utf-8")
    for said in ("every event is in the", "one circle per place", "the pairs of actors with the most rows",
                 "the events with the largest figures are drawn", "that support the most rows are shown",
                 "the top-level branches with the most events", "with the most are shown"):
        assert said in page, said
