"""The command line: --help names every stage; a stage logs one timed summary line to stderr,
more with -v, none with AQ_LOG=warning."""
import re
import shutil
import subprocess
import sys

import pytest

from conftest import REPO, run_stage
from pipeline.__main__ import STAGES

pytestmark = pytest.mark.unit

FIXTURE = REPO / "tests" / "fixtures" / "tiny"
TIMED = re.compile(r"^ingest tiny: .+ \(\d+\.\d\d s\)$")


def test_help_lists_every_stage_with_its_line():
    out = subprocess.run([sys.executable, "-m", "pipeline", "--help"], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0
    listed = dict(re.findall(r"^  (\S+) +(.+)$", out.stdout.split("stages:\n", 1)[1], re.M))
    assert listed == STAGES
    assert "-v, --verbose" in out.stdout


def fixture_root(tmp_path):
    root = tmp_path / "repo"
    for part in ("raw", "annotations"):
        shutil.copytree(FIXTURE / part, root / part)
    shutil.copytree(REPO / "schemas", root / "schemas")
    return root


def test_a_stage_logs_what_it_did_and_how_long_it_took(tmp_path):
    root = fixture_root(tmp_path)
    out = run_stage(root, "ingest", "tiny")
    assert out.returncode == 0, out.stderr
    (line,) = out.stderr.splitlines()
    assert TIMED.match(line), line
    chars = len((root / "raw" / "tiny.txt").read_text(encoding="utf-8"))
    assert line.startswith(f"ingest tiny: {chars} characters, ")
    assert out.stdout == ""


def test_warning_level_is_silent_and_an_unknown_level_is_refused(tmp_path, monkeypatch):
    root = fixture_root(tmp_path)
    monkeypatch.setenv("AQ_LOG", "warning")
    assert run_stage(root, "ingest", "tiny").stderr == ""
    monkeypatch.setenv("AQ_LOG", "loud")
    out = run_stage(root, "ingest", "tiny")
    assert out.returncode == 1 and "AQ_LOG" in out.stderr and "Fix:" in out.stderr


def test_verbose_shows_each_step(tmp_path):
    root = fixture_root(tmp_path)
    assert run_stage(root, "ingest", "tiny").returncode == 0
    quiet = run_stage(root, "code", "tiny").stderr.splitlines()
    verbose = run_stage(root, "code", "tiny", "-v").stderr.splitlines()
    assert len(quiet) == 1 and len(verbose) > len(quiet)
    assert all(re.match(r"^code tiny: .+ \(\d+\.\d\d s\)$", line) for line in verbose)
