"""The lists of tables (schemas/tables.yaml) and the coding sheet format (schemas/sheet.yaml) are
declared once and hold together: every name is a declared table or column's key."""
import pytest

from pipeline import code, schemas, synth
from pipeline.files import Mapping, PipelineError

pytestmark = pytest.mark.unit


def test_record_tables_are_sheet_sections_and_need_evidence():
    assert set(schemas.record_tables()) <= set(schemas.sheet_format()["records"])
    assert set(schemas.record_tables()) <= set(schemas.evidence_required())


def test_every_sheet_section_is_a_table():
    assert set(schemas.sheet_format()["records"]) <= set(schemas.table_names())


def test_code_and_synth_read_the_one_declaration():
    sheet = schemas.sheet_format()
    assert code.KEYS == sheet["records"] and code.COMMON == sheet["common"]
    assert synth.ID_KEYS == tuple(sheet["synth"]["id"])
    record_keys = set(sheet["common"]).union(*sheet["records"].values())
    assert set(code.KINDS) <= record_keys | {"name"}


def test_a_list_naming_no_table_is_refused(monkeypatch):
    spec = Mapping(tables={"events": {}}, record_tables=["events", "event"], evidence_required=["events"])
    spec.lines = {"record_tables": 3}
    monkeypatch.setattr(schemas, "_tables_yaml", lambda: spec)
    with pytest.raises(PipelineError, match=r"schemas/tables.yaml:3: .*record_tables names 'event'"):
        schemas.record_tables()
