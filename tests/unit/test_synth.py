"""The synthetic corpus (pipeline/synth.py) is a valid project: every quote of every copy is
found where the code stage looks for it, IDs stay unique, references stay valid, and each copy
codes to as many rows as the real sheets hold, with its dates shifted by its own whole years."""
import datetime
import json
import re
from collections import Counter

import pyarrow.parquet as pq
import pytest

from conftest import run_stage
from pipeline import schemas, synth
from pipeline.files import ROOT, WORK, read_yaml

pytestmark = pytest.mark.unit

TABLES = ("events", "pledges", "casualties", "relations")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = synth.synth(2, tmp_path_factory.mktemp("synth") / "repo")
    sources = [e["source_id"] for e in read_yaml(root / "raw" / "sources.yaml")["sources"]]
    for stage in (["ingest", *sources], ["code", *sources], ["places"], ["link"]):
        out = run_stage(root, *stage)
        assert out.returncode == 0, out.stderr
    work = root / WORK.relative_to(ROOT)
    linked = json.loads((work / "linked.json").read_text())
    # the tables link hands on, typed (.work/linked/<table>.parquet): dates as ISO text, as the sheets give them
    linked["tables"] = {path.stem: [{k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in row.items()}
                                    for row in pq.read_table(path).to_pylist()] for path in (work / "linked").glob("*.parquet")}
    return root, linked


def test_every_copy_codes_every_record_of_the_real_sheets(corpus):
    root, linked = corpus
    real = {t: set() for t in TABLES}  # a record told by several sheets is one row
    for sheet in (synth.ROOT / "annotations" / "sources").glob("*.yaml"):
        for table in TABLES:
            real[table] |= {record["id"] for record in read_yaml(sheet).get(table) or []}
    for table in TABLES:
        key = schemas.table_schema(table)["primaryKey"][0]
        per_copy = Counter(row[key].rsplit("-x", 1)[1] for row in linked["tables"][table])
        assert per_copy == {"1": len(real[table]), "2": len(real[table])}, table


def test_ids_are_unique_and_references_resolve(corpus):
    _, linked = corpus
    tables = linked["tables"]
    for table in schemas.table_names():
        schema = schemas.table_schema(table)
        keys = [tuple(row[k] for k in schema["primaryKey"]) for row in tables[table]]
        assert len(keys) == len(set(keys)), table
        for fk in schema.get("foreignKeys", []):
            target = {tuple(row[k] for k in fk["reference"]["fields"]) for row in tables[fk["reference"]["resource"]]}
            for row in tables[table]:
                value = tuple(row[k] for k in fk["fields"])
                assert None in value or value in target, (table, fk["fields"], value)


def test_quotes_stand_at_their_offsets_in_the_copied_text(corpus):
    root, linked = corpus
    texts = {s["source_id"]: (root / "raw" / s["file"]).read_text(encoding="utf-8") for s in linked["tables"]["sources"]}
    for ev in linked["tables"]["evidence"]:
        assert texts[ev["source_id"]][ev["char_start"]:ev["char_end"]] == ev["quote"]


def test_each_copy_shifts_its_dates_by_whole_years(corpus):
    _, linked = corpus
    events = {row["event_id"]: row for row in linked["tables"]["events"]}
    shift = synth.year_shift(2) - synth.year_shift(1)
    weekday = re.compile(r"(?i)\b(mon|tues|wednes|thurs|fri|satur|sun)day\b")  # a weekday moves with the calendar
    dated = [(events[i]["date_start"], events[i.replace("-x1", "-x2")]["date_start"])
             for i in events if i.endswith("-x1") and events[i]["date_start"] and not weekday.search(events[i]["date_text"] or "")]
    assert dated and shift
    for first, second in dated:
        assert int(second[:4]) - int(first[:4]) == shift and second[4:] == first[4:]


def test_copies_share_no_passages_with_each_other(corpus):
    _, linked = corpus
    assert linked["shared_passages"]
    for p in linked["shared_passages"]:
        assert p["source_id"].rsplit("-x", 1)[1] == p["also_in"].rsplit("-x", 1)[1], p
