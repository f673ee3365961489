"""The compatibility rules, on small snapshots."""
import pytest

from pipeline import compat

pytestmark = pytest.mark.unit

OLD = {"version": "0.1.0",
       "tables": {"events": {"event_id": {"type": "string", "enum": None}, "event_type": {"type": "string", "enum": ["attack", "ambush"]},
                             "deaths_low": {"type": "integer", "enum": None}}},
       "ids": {"events": ["a", "b"]}}


def changed(**tables):
    new = {"version": "0.2.0", "tables": {"events": dict(OLD["tables"]["events"])}, "ids": {"events": ["a", "b"]}}
    new["tables"]["events"].update(tables)
    return new


def test_an_unchanged_or_extended_package_is_compatible():
    assert compat.breaking_changes(OLD, changed(summary={"type": "string", "enum": None})) == []
    assert compat.breaking_changes(OLD, changed(event_type={"type": "string", "enum": ["attack", "ambush", "raid"]})) == []


def test_renaming_a_column_names_the_column_and_the_rule():
    new = changed()
    new["tables"]["events"]["deaths_min"] = new["tables"]["events"].pop("deaths_low")
    (problem,) = compat.breaking_changes(OLD, new)
    assert "events.deaths_low" in problem and "removing or renaming a column is MAJOR" in problem


def test_retyping_and_dropping_enum_values_are_breaking():
    assert "retyping" in compat.breaking_changes(OLD, changed(deaths_low={"type": "number", "enum": None}))[0]
    assert "['ambush']" in compat.breaking_changes(OLD, changed(event_type={"type": "string", "enum": ["attack"]}))[0]


def test_a_dropped_id_is_breaking_unless_retired_in_the_changelog():
    new = changed()
    new["ids"]["events"] = ["a"]
    assert "events/b" in compat.breaking_changes(OLD, new)[0]
    assert compat.breaking_changes(OLD, new, {"events/b"}) == []
