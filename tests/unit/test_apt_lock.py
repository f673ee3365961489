"""Tests on two pytest-xdist workers may install Debian packages at once (chromium, R): the
installs run one at a time, and one finished meanwhile is not repeated."""
import threading

import pytest

import conftest

pytestmark = pytest.mark.unit


def test_installs_run_one_at_a_time_and_skip_what_is_done(tmp_path, monkeypatch):
    monkeypatch.setattr(conftest, "APT_LOCK", tmp_path / "apt.lock")
    inside, done = tmp_path / "inside", tmp_path / "done"
    # mkdir fails when the other install is inside: with the lock, none overlaps
    install = [["bash", "-c", f"mkdir {inside} && sleep 0.3 && rmdir {inside} && touch {done}"]]
    results = []
    threads = [threading.Thread(target=lambda: results.append(conftest.run_one_at_a_time(install, lambda: False)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [None, None, None]
    assert conftest.run_one_at_a_time([["false"]], done.exists) is None
    command, result = conftest.run_one_at_a_time([["true"], ["false"], ["true"]], lambda: False)
    assert command == ["false"] and result.returncode == 1
