"""The whole pipeline on a tiny fixture corpus: it builds, validates, and rebuilds byte for byte."""
import csv

import pytest

from conftest import REPO, build_copy, published, run_stage

FIXTURE = REPO / "tests" / "fixtures" / "tiny"
INPUTS = [FIXTURE / "raw", FIXTURE / "annotations", REPO / "schemas", REPO / "pyproject.toml"]


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    return [build_copy(INPUTS, tmp_path_factory.mktemp(n) / "repo", ["tiny"], 1600000000) for n in "ab"]


def test_a_clean_rebuild_is_byte_identical(two_builds):
    a, b = two_builds
    assert published(a) == published(b)
    assert len(published(a)) == 1 + 2 + 9 * 3 + 4  # descriptor, quality report (JSON, Markdown), CSV + Parquet + schema per table, docs


def test_the_fixture_values_are_normalized_from_the_words(two_builds):
    with open(two_builds[0] / "casualties.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["count_low"], row["count_high"], row["count_qualifier"]) == ("71", "", "more_than")
    assert (row["date_start"], row["date_year_inferred"], row["claimed_by"]) == ("2021-03-14", "true", "group-a")


def built(tmp_path):
    return build_copy(INPUTS, tmp_path / "repo", ["tiny"], 1600000000)


def test_a_quote_not_in_the_source_fails_naming_sheet_line_and_fix_and_build_stays(tmp_path):
    build = built(tmp_path)
    before = published(build)
    sheet = tmp_path / "repo" / "annotations" / "sources" / "tiny.yaml"
    sheet.write_text(sheet.read_text().replace("fought near Testville.", "fought near Testvile."))
    out = run_stage(tmp_path / "repo", "code", "tiny")
    assert out.returncode == 1
    assert "annotations/sources/tiny.yaml:3: quote not found" in out.stderr and "Fix:" in out.stderr
    assert published(build) == before


def test_a_changed_raw_file_is_refused_by_name(tmp_path):
    built(tmp_path)
    raw = tmp_path / "repo" / "raw" / "tiny.txt"
    raw.write_bytes(raw.read_bytes().replace(b"seventy", b"eighty"))
    out = run_stage(tmp_path / "repo", "ingest", "tiny")
    assert out.returncode == 1 and "raw/tiny.txt: sha256 is" in out.stderr


def test_a_package_that_fails_validation_never_reaches_build(tmp_path):
    build = built(tmp_path)
    before = published(build)
    registry = tmp_path / "repo" / "annotations" / "actors.yaml"
    registry.write_text(registry.read_text() + "  - {id: group-c, name: Group C, type: armed_group, alignment: other, status: active, description: Named by no source.}\n")
    assert run_stage(tmp_path / "repo", "link").returncode == 0
    assert run_stage(tmp_path / "repo", "package").returncode == 0
    out = run_stage(tmp_path / "repo", "validate")
    assert out.returncode == 1 and "used_or_explained" in out.stderr
    assert published(build) == before
