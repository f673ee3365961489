"""Two builds started at once: the second stops with a clear message and touches nothing."""
import fcntl
import subprocess

import pytest

from conftest import REPO, published

pytestmark = pytest.mark.data


def test_a_second_build_while_one_runs_stops_and_leaves_build_alone():
    before = published(REPO / "build")
    with open(REPO / ".work" / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what a running `make` holds
        out = subprocess.run(["make", "--no-print-directory", "-C", str(REPO), "all"], capture_output=True, text=True)
    assert out.returncode != 0
    assert "another build is running" in out.stderr and "Fix:" in out.stderr
    assert published(REPO / "build") == before
