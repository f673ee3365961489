"""No coding sheet, however malformed, crashes the loader: it is read, or refused with a
PipelineError that names the file and line."""
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import code, ingest
from pipeline.files import Mapping, PipelineError, read_yaml

pytestmark = pytest.mark.unit

TEXT = "= T =\n==Battle==\nOn 26 April 2019, ISIL attacked the Taliban, killing 79 fighters.\n"
KEYS = sorted({k for keys in code.KEYS.values() for k in keys} | set(code.COMMON) | {"text", "context", "x"})
VALUES = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.text(max_size=30),
                                st.sampled_from(["79", "26 April 2019", "ISIL", "Taliban", "killed", "event", "attack",
                                                 "On 26 April 2019, ISIL attacked the Taliban, killing 79 fighters."])),
                      lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KEYS), children, max_size=3),
                      max_leaves=8)


def sheet():
    lines, sentences = ingest.segment(TEXT, {"heading_style": "wiki"}, ingest.boilerplate_rules())
    s = code.Sheet.__new__(code.Sheet)
    s.file, s.text, s.doc, s.data = "annotations/sources/fuzz.yaml", TEXT, {"text": TEXT, "lines": lines, "sentences": sentences}, {"source": "fuzz"}
    return s


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(table=st.sampled_from(sorted(code.KEYS)), record=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=10))
def test_any_record_is_coded_or_refused_with_a_pipeline_error(table, record):
    mapping = Mapping(record)
    mapping.line = 7
    try:
        code.code_record(sheet(), table, mapping)
    except PipelineError as e:
        assert "fuzz.yaml:7" in str(e) or "actors.yaml" in str(e)
        assert len(str(e)) < 2000


@settings(deadline=None, max_examples=300)
@given(st.text(max_size=200))
def test_any_yaml_text_is_read_or_refused_with_a_pipeline_error(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sheet.yaml"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))  # lone surrogates make invalid UTF-8
        try:
            read_yaml(path)
        except PipelineError as e:
            assert len(str(e)) < 2000 and "Fix:" in str(e)
