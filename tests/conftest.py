import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def build_copy(inputs, root, sources, epoch):
    """Copy a project's inputs into root and run every stage there (AQ_ROOT points the pipeline at it)."""
    root.mkdir(parents=True)
    for src in inputs:
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / src.name)
    for stage in [[s, src] for src in sources for s in ("ingest", "code")] + [["link"], ["package"], ["validate"], ["promote"]]:
        out = run_stage(root, *stage, epoch=epoch)
        assert out.returncode == 0, out.stderr
    return root / "build"


def run_stage(root, *stage, epoch=1600000000):
    env = {**os.environ, "AQ_ROOT": str(root), "SOURCE_DATE_EPOCH": str(epoch)}
    return subprocess.run([sys.executable, "-m", "pipeline", *stage], cwd=REPO, env=env, capture_output=True, text=True)


def published(build_dir):
    """sha256 of every published file (build/work/ holds intermediates, not the package; bench.json,
    written by `make bench`, holds timings of one machine)."""
    return {str(p.relative_to(build_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(build_dir.rglob("*")) if p.is_file() and "work" not in p.relative_to(build_dir).parts
            and p.relative_to(build_dir).as_posix() != "bench.json"}
