"""The import graph of pipeline/ (pipeline/deps.py): no cycle, and the per-stage dependencies
Make reads name each stage's module and what it imports, not every module."""
import pytest

from pipeline import deps
from pipeline.files import PipelineError

pytestmark = pytest.mark.unit


def test_no_pipeline_module_imports_itself_through_others():
    assert deps.cycle(deps.graph()) is None


def test_a_cycle_is_found():
    assert deps.cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]


def test_imports_inside_functions_count():
    # docs imports promote only inside a function: docs still depends on it
    assert "promote" in deps.imports("docs")
    assert "files" in deps.imports("__main__") and "candidates" not in deps.imports("__main__")


def test_a_stage_depends_on_what_it_imports_and_not_on_the_other_stages():
    g = deps.graph()
    site = deps.closure(g, {"site"})
    assert {"site", "places", "ingest", "files", "paths"} <= site
    assert not site & {"link", "package", "validate", "sqlite", "docs", "code"}


def test_deps_refuses_a_cycle(monkeypatch):
    monkeypatch.setattr(deps, "graph", lambda: {"link": {"candidates"}, "candidates": {"link"}})
    monkeypatch.setattr(deps, "path_of", lambda m: deps.CODE / f"{m}.py")
    with pytest.raises(PipelineError, match="candidates -> link -> candidates"):
        deps.deps()
