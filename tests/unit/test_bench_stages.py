"""make bench times every stage Make runs to build the package (the reliability stage was once
left out, so the synthetic corpora failed at validate)."""
import re

import pytest

from conftest import REPO
from pipeline import bench

pytestmark = pytest.mark.unit

BOOKKEEPING = {"deps", "check"}  # write make's own lists, not the package


def test_bench_runs_each_stage_that_make_runs_for_the_build():
    stages, target = [], None
    for line in (REPO / "Makefile").read_text().splitlines():
        if re.match(r"^\S.*:", line) and not line.startswith("\t"):
            target = line.split(":", 1)[0]
        run = re.search(r"\$\(RUN\) ([a-z]+)", line)
        if run and line.startswith("\t") and re.match(r"\$\(W\)/|build/", target) and run.group(1) not in BOOKKEEPING:
            stages.append(run.group(1))
    assert set(bench.STAGES) == set(stages)
    assert list(bench.STAGES).index("reliability") < list(bench.STAGES).index("validate")
