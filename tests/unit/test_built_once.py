"""The test run's shared builds: on pytest-xdist workers, a folder is built by the first worker
that asks and used by the others (each worker has its own session and would build its own)."""
import threading
import time
from types import SimpleNamespace

import pytest

from conftest import built_once

pytestmark = pytest.mark.unit


class Factory:
    def __init__(self, base):
        self.base = base

    def getbasetemp(self):
        return self.base

    def mktemp(self, name):
        path = self.base / name
        path.mkdir()
        return path


def test_workers_of_one_run_build_once_and_a_new_run_builds_again(tmp_path):
    builds = []

    def build(folder):
        time.sleep(0.2)  # a slow build: the other worker must wait for it, not start its own
        (folder / "made").write_text(str(len(builds)))
        builds.append(folder)

    folders = []

    def worker(name, run):
        (tmp_path / name).mkdir(exist_ok=True)
        config = SimpleNamespace(workerinput={"testrunuid": run})
        folders.append(built_once(config, Factory(tmp_path / name), "tiny", build))

    threads = [threading.Thread(target=worker, args=(f"gw{i}", "run1")) for i in range(3)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(builds) == 1 and len(set(folders)) == 1 and (folders[0] / "made").read_text() == "0"
    worker("gw0", "run2")
    assert len(builds) == 2 and folders[-1] != folders[0]


def test_without_workers_each_session_builds_its_own(tmp_path):
    made = []
    folder = built_once(SimpleNamespace(), Factory(tmp_path), "tiny", made.append)
    assert made == [folder] and folder.parent == tmp_path
