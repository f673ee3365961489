"""The compatibility gate on a recorded release: the session's fixture build with its release
recorded in releases/<version>.json (what `make release` records), then the working tree changed.
A dropped ID or a removed column stops the gate, naming each; raising MAJOR or retiring the ID in
CHANGELOG.md lets it pass. The real working tree is checked against its own last release."""
import csv
import json
import os
import subprocess
import sys

import pytest

from conftest import REPO, copy_of
from pipeline import compat

pytestmark = pytest.mark.data


def gate(root, call="check"):
    """compat.<call>() (check or record) run on the project at root (AQ_ROOT), as `make release` runs it."""
    code = f"import json; from pipeline import compat; print(json.dumps(compat.{call}(), default=str))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env={**os.environ, "AQ_ROOT": str(root)}, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def released(tiny_build, tmp_path_factory):
    """(root, its releases/<version>.json): the fixture with its release recorded."""
    root = copy_of(tiny_build, tmp_path_factory.mktemp("released"))
    (root / "CHANGELOG.md").write_text("# Changelog\n\n## 0.1.0\n- The first release of the fixture.\n")
    record = gate(root, "record")
    return root, json.loads(open(record).read())


@pytest.fixture
def changed(released, tmp_path):
    """A copy of the released fixture whose build dropped its one event and the events column summary."""
    root = copy_of(released, tmp_path)
    events = root / "build" / "events.csv"
    with open(events, newline="", encoding="utf-8") as f:
        header = f.readline()
        assert [row["event_id"] for row in csv.DictReader(f, fieldnames=next(csv.reader([header])))] == ["battle-of-testville"]
    events.write_text(header, encoding="utf-8")
    descriptor = json.loads((root / "build" / "datapackage.json").read_text())
    schema = next(r["schema"] for r in descriptor["resources"] if r["name"] == "events")
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "summary"]
    (root / "build" / "datapackage.json").write_text(json.dumps(descriptor))
    return root


DROPPED = "ID events/battle-of-testville was published in 0.1.0 and is gone"
REMOVED = "column events.summary was removed or renamed"


def test_the_record_holds_the_tables_and_ids_of_the_build(released):
    root, record = released
    with open(root / "build" / "events.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert record["version"] == "0.1.0" and record["ids"]["events"] == sorted(r["event_id"] for r in rows)
    assert sorted(record["tables"]["events"]) == sorted(rows[0])
    assert gate(root) == []


def test_a_dropped_id_and_a_removed_column_stop_the_gate(changed):
    problems = gate(changed)
    assert len(problems) == 2 and any(DROPPED in p for p in problems) and any(REMOVED in p for p in problems), problems


def test_raising_major_lets_breaking_changes_pass(changed):
    pyproject = changed / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('\nversion = "0.1.0"', '\nversion = "1.0.0"', 1))
    assert gate(changed) == []


def test_an_id_retired_in_the_changelog_is_no_longer_breaking(changed):
    with open(changed / "CHANGELOG.md", "a") as f:
        f.write("- retired: `events/battle-of-testville` (merged into another event)\n")
    (problem,) = gate(changed)
    assert REMOVED in problem


def test_the_working_tree_keeps_the_last_release():
    if compat.last_release() is None:
        pytest.skip("releases/ records no release yet; the fixture tests above exercise the gate")
    problems = compat.check()
    assert not problems, "breaking changes without a MAJOR version bump:\n  " + "\n  ".join(problems)
