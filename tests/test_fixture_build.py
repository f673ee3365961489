"""The whole pipeline on a tiny fixture corpus: it builds, validates, and rebuilds byte for byte."""
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "tiny"


def build(root):
    """Copy the fixture and the repo's schemas into root and run every stage there."""
    shutil.copytree(FIXTURE, root)
    shutil.copytree(REPO / "schemas", root / "schemas")
    shutil.copy(REPO / "pyproject.toml", root)
    env = {**os.environ, "AQ_ROOT": str(root), "SOURCE_DATE_EPOCH": "1600000000"}
    for stage in (["ingest", "tiny"], ["code", "tiny"], ["link"], ["package"], ["validate"], ["promote"]):
        out = subprocess.run([sys.executable, "-m", "pipeline", *stage], cwd=REPO, env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
    return root / "build"


def published(build_dir):
    return {p.relative_to(build_dir): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(build_dir.rglob("*")) if p.is_file() and "work" not in p.relative_to(build_dir).parts}


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    return build(tmp_path_factory.mktemp("a") / "repo"), build(tmp_path_factory.mktemp("b") / "repo")


def test_a_clean_rebuild_is_byte_identical(two_builds):
    a, b = two_builds
    assert published(a) == published(b)
    assert len(published(a)) == 1 + 1 + 9 * 3  # descriptor, quality report, CSV + Parquet + schema per table


def test_the_fixture_values_are_normalized_from_the_words(two_builds):
    import csv
    with open(two_builds[0] / "casualties.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["count_low"], row["count_high"], row["count_qualifier"]) == ("71", "", "more_than")
    assert (row["date_start"], row["date_year_inferred"], row["claimed_by"]) == ("2021-03-14", "true", "group-a")
