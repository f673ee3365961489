"""validate checks each CSV against its Table Schema a column at a time; held to the frictionless
library on the same broken package: each break, one per resource, is found by both, and ours
names the file and the row (row 1 is the header)."""
import csv
import io
import json
import shutil

import pytest

from pipeline import validate

pytestmark = pytest.mark.data


def edit_csv(path, change):
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    change(rows)
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def set_cell(column, value, row=1):
    def change(rows):
        rows[row][rows[0].index(column)] = value
    return change


BREAKS = {  # resource: (change, what our problem line says after `file:row: `)
    "events": (set_cell("deaths_best", "many"), "deaths_best: 'many' is not an integer"),
    "actors": (set_cell("name", ""), "name: required value is empty"),
    "relations": (set_cell("relation", "befriends"), "relation: 'befriends' is not one of"),
    "places": (set_cell("country_iso3", "iraq"), "country_iso3: 'iraq' does not match"),
    "casualties": (set_cell("count_low", "-1"), "count_low: -1 is below the minimum 0"),
    "pledges": (set_cell("date_start", "2014-13-01"), "date_start: '2014-13-01' is not a date (YYYY-MM-DD)"),
    "sources": (lambda rows: rows.append(list(rows[1])), "primary key"),
    "event_actors": (set_cell("actor_id", "no-such-actor"), "actor_id ['no-such-actor'] is not in actors.csv"),
    "conflicts": (lambda rows: rows[0].__setitem__(1, "title"), "header is"),
    "dyads": (lambda rows: rows[1].append("extra"), "cells, the header has"),
    "exports/ucdp-ged": (set_cell("date_start", "20140301"), "date_start: '20140301' is not a date (YYYY-MM-DD)"),
}


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    package = shutil.copytree(validate.PACKAGE, tmp_path_factory.mktemp("broken") / "package")
    descriptor = json.loads((package / "datapackage.json").read_text())
    for res in descriptor["resources"]:  # a changed file's hash would fail alone
        res.pop("hash", None), res.pop("bytes", None)
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    for table, (change, _) in BREAKS.items():
        edit_csv(package / f"{table}.csv", change)
    return package


def test_the_built_package_passes():
    assert validate.table_schema_problems() == []


def test_each_break_is_named_with_its_file_and_row(broken):
    problems = validate.table_schema_problems(broken)
    for table, (_, says) in BREAKS.items():
        mine = [p for p in problems if p.startswith(f"{table}.csv:")]
        assert len(mine) == 1 and says in mine[0], (table, mine)
        where = {"sources": None, "conflicts": "1"}.get(table, "2")  # the changed cell is in row 2
        if where:
            assert mine[0].startswith(f"{table}.csv:{where}: "), mine[0]
    assert "repeats row 2" in next(p for p in problems if p.startswith("sources.csv:"))
    assert len(problems) == len(BREAKS)


def test_frictionless_finds_the_same_breaks(broken):
    from frictionless import Package, system
    descriptor = json.loads((broken / "datapackage.json").read_text())
    descriptor["resources"] = [r for r in descriptor["resources"] if r["format"] == "csv"]
    with system.use_context(trusted=True):
        report = Package(descriptor, basepath=str(broken)).validate()
    invalid = {task.name for task in report.tasks if task.errors}
    assert invalid == {table.removeprefix("exports/") for table in BREAKS}


def test_a_rule_the_check_does_not_know_is_reported_not_passed(tmp_path):
    package = shutil.copytree(validate.PACKAGE, tmp_path / "package")
    descriptor = json.loads((package / "datapackage.json").read_text())
    events = next(r for r in descriptor["resources"] if r["name"] == "events")
    next(f for f in events["schema"]["fields"] if f["name"] == "title")["constraints"]["maxLength"] = 10
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    assert validate.table_schema_problems(package) == [
        "events.csv: title: constraint maxLength not checked by verify.py (it checks required, enum, pattern, minimum, maximum); "
        "add the rule to pipeline/verify.py"]
