"""The package's README.md is a dataset card: its `configs:` name one config per table, so
Hugging Face `datasets` loads any table offline from the folder, with its types."""
import os
import shutil

import pyarrow.parquet as pq
import pytest

from conftest import REPO
from pipeline import schemas

pytestmark = pytest.mark.data

BUILD = REPO / "build"


@pytest.fixture(scope="module")
def load(tmp_path_factory):
    cache = tmp_path_factory.mktemp("hf")
    os.environ.update(HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", HF_HOME=str(cache), HF_DATASETS_CACHE=str(cache / "datasets"))
    folder = shutil.copytree(BUILD, cache / "package", ignore=shutil.ignore_patterns("site", "docs", "*.sqlite", "*.csv"))
    from datasets import load_dataset
    return lambda table: load_dataset(str(folder), table, split="train")


@pytest.mark.parametrize("table", ["events", "casualties", "pledges"])
def test_a_table_loads_by_name_with_its_rows_and_types(load, table):
    loaded = load(table).with_format("arrow")[:]
    published = pq.read_table(BUILD / f"{table}.parquet")
    assert loaded.column_names == schemas.columns(table)
    assert loaded.num_rows == published.num_rows
    for name in ("date_start", "count_low", "disputed"):
        if name in loaded.column_names:
            assert loaded.schema.field(name).type == published.schema.field(name).type


def test_the_card_has_one_config_per_table_and_events_is_the_default():
    header = (BUILD / "README.md").read_text().split("---")[1]
    assert [line.split(": ")[1] for line in header.splitlines() if line.startswith("- config_name:")] == (
        schemas.table_names() + schemas.export_names())
    assert "- config_name: events\n  data_files: events.parquet\n  default: true" in header
