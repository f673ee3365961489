"""The codebook refuses to document a column without a description or a value without a
meaning, whether the gap is in memory or in a copy of schemas/ on disk."""
import copy
import re
import shutil

import pytest
from markdown_it import MarkdownIt

from conftest import REPO, run_stage
from pipeline import docs, schemas
from pipeline.files import PipelineError

pytestmark = pytest.mark.unit


def test_the_real_schemas_are_fully_documented():
    docs.check_documented(docs.codebook_tables())


def test_every_enumeration_value_has_a_meaning_in_schemas():
    for table in schemas.table_names():
        for f in schemas.fields(table):
            for value in f.get("constraints", {}).get("enum", []):
                meaning = schemas.declaration(table, f["name"])["values"][value]
                assert isinstance(meaning, str) and meaning.strip(), (table, f["name"], value)


@pytest.mark.parametrize("table, column", [("events", "summary"), ("casualties", "count_low"), ("actor_aliases", "source_id")])
def test_a_blank_column_description_is_refused(table, column):
    tables = copy.deepcopy(docs.codebook_tables())
    (col,) = [c for t in tables if t["name"] == table for c in t["columns"] if c["name"] == column]
    col["description"] = "  "
    with pytest.raises(PipelineError, match=rf"{table}\.{column} has no description"):
        docs.check_documented(tables)


def test_an_enumeration_value_without_meaning_is_refused():
    tables = copy.deepcopy(docs.codebook_tables())
    (col,) = [c for t in tables if t["name"] == "pledges" for c in t["columns"] if c["name"] == "visibility"]
    col["values"]["secret"] = ""
    with pytest.raises(PipelineError, match=r"value 'secret' of pledges\.visibility has no meaning"):
        docs.check_documented(tables)


def schema_copy(tmp_path, file, old, new):
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copytree(REPO / "schemas", root / "schemas")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    line = text[:text.index(old)].count("\n") + 1
    return root, line


@pytest.mark.parametrize("old, new, file, message", [
    ('description: "One sentence in the dataset\'s own words.", constraints', 'description: "", constraints',
     "schemas/fields.yaml", "events.summary has no description"),
    ('description: "The first source (in manifest order) whose text uses the alias; empty when none does."',
     'description: ""', "schemas/tables.yaml", "actor_aliases.source_id has no description"),
    ('secret: "The source says it was kept secret."', 'secret: ""', "schemas/fields.yaml",
     "value 'secret' of pledges.visibility has no meaning"),
], ids=["column-description", "table-override", "enum-meaning"])
def test_the_docs_stage_refuses_a_schema_copy_with_a_gap_naming_file_and_line(tmp_path, old, new, file, message):
    root, line = schema_copy(tmp_path, file, old, new)
    out = run_stage(root, "docs")
    assert out.returncode == 1
    (error,) = [l for l in out.stderr.splitlines() if l.startswith("error:")]
    assert error.startswith(f"error: {file}:") and message in error and "Fix:" in error
    declared_at = int(re.match(rf"error: {re.escape(file)}:(\d+):", error).group(1))
    assert declared_at <= line  # the line of the field's declaration, at or above the blanked text
    assert not (root / "build").exists()  # refused before anything was written


def test_free_text_cannot_break_a_table_or_inject_markup():
    hostile = "a | b *c* [x](http://evil) <script>alert(1)</script> `d` _e_"
    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(
        f"| h | i |\n|---|---|\n| {docs.md_text(hostile)} | {docs.md_code('p|q`r')} |\n")
    assert html.count("<td>") == 2
    assert "<script>" not in html and "<a " not in html and "<em>" not in html
    assert "a | b *c* [x](http://evil) &lt;script&gt;alert(1)&lt;/script&gt; `d` _e_" in html


def test_heading_anchors_follow_github():
    assert docs.slug("Table `actor_aliases`") == "table-actor_aliases"
    assert docs.slug("Values of <prefix>_precision (date groups)") == "values-of-prefix_precision-date-groups"
    assert docs.slug("Preprocessing, cleaning and labelling") == "preprocessing-cleaning-and-labelling"
