"""The reliability study: a seeded random sample of fact-bearing sentences, stratified by
source, that a second coder codes blind (annotations/reliability/blind/<source_id>.yaml);
`python -m pipeline.reliability sample` draws it into annotations/reliability/sample.yaml.

The sample is drawn once and committed: later changes to the registry or the sheets change
which sentences the candidate finder flags, but must not change a sample already coded."""
import math
import random
import sys

from . import candidates, ingest
from .conventions import CONVENTIONS
from .files import ROOT, WORK, PipelineError, read_json, write_bytes_atomic

RULES = CONVENTIONS["reliability"]
STUDY = ROOT / "annotations" / "reliability"
SAMPLE = STUDY / "sample.yaml"


def fact_bearing(doc, coded):
    """Non-boilerplate sentences the candidate finder flags or a coded record's quote overlaps."""
    spans = [(e["char_start"], e["char_end"]) for rows in coded["records"].values() for r in rows for e in r["evidence"]]
    flagged = {(s["start"], s["end"]) for s in candidates.find(doc)}
    return [s for s in doc["sentences"] if not s["boilerplate"] and (
        (s["start"], s["end"]) in flagged or any(a < s["end"] and s["start"] < b for a, b in spans))]


def draw(source_id, sentences):
    """A seeded sample of a source's sentences: `share` of them, at least `minimum`, in text order.
    The generator is seeded with the study's seed and the source id, so each source's draw is
    independent of the others and of the order of the manifest."""
    rng = random.Random(f"{RULES['seed']}:{source_id}")
    size = min(len(sentences), max(RULES["minimum"], math.ceil(RULES["share"] * len(sentences))))
    return sorted(rng.sample(sentences, size), key=lambda s: s["start"])


def sample():
    """Write annotations/reliability/sample.yaml from the ingested and coded sources."""
    out = ["# The reliability study's sample (pipeline/reliability.py, conventions.yaml `reliability`).",
           "# Drawn once by `python -m pipeline.reliability sample`; do not edit. Offsets are Python",
           "# string indexes into the raw file, as in the evidence table.", "sources:"]
    total = drawn = 0
    for entry in ingest.load_manifest():
        source_id = entry["source_id"]
        doc = read_json(WORK / "ingest" / f"{source_id}.json")
        coded_path = WORK / "coded" / f"{source_id}.json"
        coded = read_json(coded_path) if coded_path.exists() else {"records": {}}
        sentences = fact_bearing(doc, coded)
        chosen = draw(source_id, sentences)
        total, drawn = total + len(sentences), drawn + len(chosen)
        out += [f"  - source_id: {source_id}", f"    fact_bearing_sentences: {len(sentences)}", "    sentences:"]
        for s in chosen:
            text = doc["text"][s["start"]:s["end"]].replace("\\", "\\\\").replace('"', '\\"')
            out += [f"      - {{start: {s['start']}, end: {s['end']}, text: \"{text}\"}}"]
    write_bytes_atomic(SAMPLE, ("\n".join(out) + "\n").encode("utf-8"))
    print(f"reliability sample: {drawn} of {total} fact-bearing sentences -> {SAMPLE.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    try:
        {"sample": sample}[sys.argv[1]]()
    except (KeyError, IndexError):
        sys.exit("usage: python -m pipeline.reliability sample")
    except PipelineError as e:
        sys.exit(f"error: {e}")
