"""schemas/ is the one place columns are declared; these pin what the contract requires of it."""
import pytest

from pipeline import schemas
from pipeline.conventions import CONVENTIONS

pytestmark = pytest.mark.unit


def test_every_contract_table_is_declared():
    assert schemas.table_names() == ["sources", "actors", "actor_aliases", "relations", "conflicts", "dyads", "places", "events", "event_actors",
                                     "pledges", "casualties", "evidence"]


def test_every_column_has_a_description_and_a_type():
    for table in schemas.table_names():
        for f in schemas.fields(table):
            assert f["description"].strip() and "{what}" not in f["description"], (table, f["name"])
            assert f["type"] in schemas.ARROW_TYPES


def test_every_event_type_belongs_to_exactly_one_category():
    categories = CONVENTIONS["event_categories"]
    assert sorted(categories) == sorted(schemas.enum_values("events", "event_type"))
    assert set(categories.values()) == set(schemas.enum_values("events", "event_category"))


def test_date_groups_share_one_shape():
    for table in schemas.table_names():
        names = schemas.columns(table)
        for name in names:
            if name.endswith("_edtf"):
                prefix = name.removesuffix("_edtf")
                assert {f"{prefix}_{m}" for m in ("start", "end", "precision", "text", "year_inferred")} <= set(names)
