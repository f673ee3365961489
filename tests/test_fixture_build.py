"""The whole pipeline on a tiny fixture corpus: it builds, validates, and rebuilds byte for byte."""
import csv

import pytest

from conftest import TINY_INPUTS, build_copy, published

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def two_builds(tiny_build, tmp_path_factory):
    """The session's build of the fixture and a second clean build of the same inputs."""
    return [tiny_build[0] / "build", build_copy(TINY_INPUTS, tmp_path_factory.mktemp("b") / "repo", 1600000000)]


def test_a_clean_rebuild_is_byte_identical(two_builds):
    a, b = two_builds
    assert published(a) == published(b)
    # descriptor, quality report (JSON, Markdown), CSV + Parquet + schema per table, SQLite + datasette metadata,
    # site/ (index.html, data.js, css, js), docs/ (codebook, datasheet: Markdown and HTML),
    # verify.py, croissant.json, README.md (the dataset card), SHA256SUMS; 12 tables, and CSV + Parquet + schema per export
    assert len(published(a)) == 1 + 2 + 12 * 3 + 2 + 4 + 4 + 3 + 2 * 3 + 1


def test_the_fixture_values_are_normalized_from_the_words(two_builds):
    with open(two_builds[0] / "casualties.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["count_low"], row["count_high"], row["count_qualifier"]) == ("71", "", "more_than")
    assert (row["date_start"], row["date_year_inferred"], row["claimed_by"]) == ("2021-03-14", "true", "group-a")
