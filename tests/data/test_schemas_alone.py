"""Each published Table Schema validates its table alone, as the README offers
(`frictionless validate build/events.csv --schema build/schemas/events.json`); the foreign
keys stay in datapackage.json, which validates the whole package."""
import json
import subprocess

import pytest

from conftest import REPO
from pipeline import schemas

pytestmark = pytest.mark.data

BUILD = REPO / "build"
FRICTIONLESS = REPO / ".venv" / "bin" / "frictionless"


@pytest.mark.parametrize("table", schemas.table_names())
def test_a_table_validates_alone_against_its_published_schema(table):
    out = subprocess.run([str(FRICTIONLESS), "validate", f"{table}.csv", "--schema", f"schemas/{table}.json", "--json"],
                         cwd=BUILD, capture_output=True, text=True)
    report = json.loads(out.stdout)
    assert report["valid"], out.stdout[:2000]


def test_foreign_keys_stay_in_the_descriptor():
    descriptor = json.loads((BUILD / "datapackage.json").read_text())
    with_keys = {r["name"] for r in descriptor["resources"] if r["schema"].get("foreignKeys")}
    assert {"events", "casualties", "evidence", "pledges"} <= with_keys
    assert not any("foreignKeys" in json.loads(p.read_text()) for p in (BUILD / "schemas").glob("*.json"))


def test_a_bad_cell_fails_against_the_schema_alone(tmp_path):
    text = (BUILD / "events.csv").read_text()
    lines = text.split("\n")
    bad = lines[1].replace(",medium,", ",certain,", 1).replace(",high,", ",certain,", 1).replace(",low,", ",certain,", 1)
    assert bad != lines[1]
    lines[1] = bad
    (tmp_path / "events.csv").write_text("\n".join(lines))
    out = subprocess.run([str(FRICTIONLESS), "validate", str(tmp_path / "events.csv"), "--schema", str(BUILD / "schemas" / "events.json"),
                          "--json"], capture_output=True, text=True)
    assert not json.loads(out.stdout)["valid"]
