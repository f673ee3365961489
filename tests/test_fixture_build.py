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
    # docs/ (codebook, datasheet: Markdown and HTML), verify.py, croissant.json, README.md (the dataset card),
    # SHA256SUMS; 12 tables, and CSV + Parquet + schema per export
    files = published(a)
    site = {f for f in files if f.startswith("site/")}
    assert len(files) - len(site) == 1 + 2 + 12 * 3 + 2 + 4 + 3 + 2 * 3 + 1
    # site/: index.html, css, js, data/meta.js and at least one page per table (besides indexes and sources)
    assert {"site/index.html", "site/site.css", "site/site.js", "site/data/meta.js"} < site
    assert len({f.split("/")[3] for f in site if f.startswith("site/data/tables/")}) == 12


def test_the_fixture_values_are_normalized_from_the_words(two_builds):
    with open(two_builds[0] / "casualties.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["count_low"], row["count_high"], row["count_qualifier"]) == ("71", "", "more_than")
    assert (row["date_start"], row["date_year_inferred"], row["claimed_by"]) == ("2021-03-14", "true", "group-a")
