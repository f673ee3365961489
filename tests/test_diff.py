"""make diff: a changed value shows up as exactly that change, row and field, and schema changes are listed."""
import shutil

import pytest

from conftest import REPO, TINY_INPUTS as INPUTS, build_copy
from pipeline import diff
from pipeline.files import read_json

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def old_and_new(tiny_build, tmp_path_factory):
    return tiny_build[0] / "build", build_changed(tmp_path_factory)


def build_changed(tmp_path_factory):
    """The fixture with one value corrected in its coding sheet."""
    staging = tmp_path_factory.mktemp("inputs")
    for src in INPUTS:
        (shutil.copytree if src.is_dir() else shutil.copy)(src, staging / src.name)
    sheet = staging / "annotations" / "sources" / "tiny.yaml"
    sheet.write_text(sheet.read_text().replace("location: Testville", "location: Testville district"))
    places = staging / "annotations" / "places.yaml"  # the new wording must name a place, or none
    places.write_text(places.read_text().replace("no_place: [Testville]", "no_place: [Testville, Testville district]"))
    return build_copy([staging / p.name for p in INPUTS], tmp_path_factory.mktemp("new") / "repo", 1600000000)


def test_a_changed_value_is_exactly_one_changed_field(old_and_new):
    old, new = old_and_new
    rows = diff.row_diff(old / "events.csv", new / "events.csv", ["event_id"])
    assert rows == {"added": [], "removed": [], "changed": [
        {"id": "battle-of-testville", "field": "location", "old": "Testville", "new": "Testville district"}]}
    assert diff.row_diff(old / "casualties.csv", new / "casualties.csv", ["casualty_id"]) == {"added": [], "removed": [], "changed": []}


def test_schema_changes_are_listed_by_column():
    old = read_json(REPO / "build" / "datapackage.json")
    new = {"resources": [dict(r) for r in old["resources"]]}
    events = next(r for r in new["resources"] if r["name"] == "events")
    events["schema"] = {**events["schema"], "fields": [f for f in events["schema"]["fields"] if f["name"] != "summary"]}
    assert diff.schema_diff(old, new)["columns"] == [{"table": "events", "column": "summary", "change": "removed"}]
