"""A second clean build of the real corpus is byte-identical to build/."""
import subprocess

import pytest

from conftest import REPO, build_copy, published

pytestmark = pytest.mark.data


def test_a_clean_rebuild_of_the_real_corpus_is_byte_identical(tmp_path):
    try:
        epoch = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: build/ has no commit date to reproduce")
    inputs = [REPO / "raw", REPO / "annotations", REPO / "schemas", REPO / "pyproject.toml"]
    rebuilt = build_copy(inputs, tmp_path / "repo", epoch)
    assert published(rebuilt) == published(REPO / "build")
