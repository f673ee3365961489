"""croissant.json describes the package in Croissant 1.1: mlcroissant validates it offline,
every file it names has the package's sha256, and every table loads through it."""
import copy
import itertools
import json
import subprocess

import pytest

from conftest import REPO
from pipeline import schemas

pytestmark = pytest.mark.data

BUILD = REPO / "build"


@pytest.fixture(scope="module")
def document():
    return json.loads((BUILD / "croissant.json").read_text())


def test_mlcroissant_validates_it():
    out = subprocess.run([str(REPO / ".venv" / "bin" / "mlcroissant"), "validate", "--jsonld", "croissant.json"],
                         cwd=BUILD, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "error" not in out.stderr.lower().replace("0 error", "")


def test_every_file_has_the_descriptors_sha256(document):
    descriptor = json.loads((BUILD / "datapackage.json").read_text())
    hashes = {r["path"]: r["hash"].removeprefix("sha256:") for r in descriptor["resources"]}
    assert {f["contentUrl"]: f["sha256"] for f in document["distribution"]} == {
        p: h for p, h in hashes.items() if p.endswith(".parquet")}
    assert document["conformsTo"] == "http://mlcommons.org/croissant/1.1"


def test_one_record_set_per_table_with_its_key_and_references(document):
    sets = {rs["@id"]: rs for rs in document["recordSet"]}
    assert list(sets) == schemas.table_names() + schemas.export_names()  # the exports are described data too
    for table, rs in sets.items():
        assert [f["name"] for f in rs["field"]] == schemas.columns(table)
        schema = schemas.table_schema(table)
        assert [k["@id"] for k in rs["key"]] == [f"{table}/{k}" for k in schema["primaryKey"]]
        refs = {f["name"]: f["references"]["field"]["@id"] for f in rs["field"] if "references" in f}
        expected = {local: f"{fk['reference']['resource'] or table}/{remote}"
                    for fk in schema.get("foreignKeys", []) for local, remote in zip(fk["fields"], fk["reference"]["fields"])}
        assert refs == expected


def test_every_table_loads_through_mlcroissant(document, tmp_path):
    """Records load with their types. mlcroissant 1.1.1 turns every reference into a join and
    cannot join a table to itself (pledges.responds_to) or reach one table by two paths
    (casualties -> events -> actors and casualties -> actors), so loading is tested on a copy
    without references; validation above checks them."""
    import mlcroissant as mlc
    bare = copy.deepcopy(document)
    for rs in bare["recordSet"]:
        for f in rs["field"]:
            f.pop("references", None)
    path = BUILD / f".croissant-test-{tmp_path.name}.json"
    path.write_text(json.dumps(bare))
    try:
        dataset = mlc.Dataset(jsonld=str(path))
        for table in schemas.table_names():
            first = next(itertools.islice(dataset.records(record_set=table), 1))
            assert set(first) == {f"{table}/{c}" for c in schemas.columns(table)}
    finally:
        path.unlink()
