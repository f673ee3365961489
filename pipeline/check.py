"""Stage 0, check: the inputs every per-source job reads (manifest, actors registry, boilerplate
rules, pyproject.toml, the names of the coding sheets) are checked once, before those jobs run
side by side, so a fault in them is one message, not one per job. Writes the list of sources
for Make (.work/sources.mk)."""
import logging

from . import actors
from .files import PipelineError, rel, version, write_bytes_atomic
from .ingest import boilerplate_rules, load_manifest
from .paths import MANIFEST, SHEETS, WORK

log = logging.getLogger(__name__)


def check():
    entries = load_manifest()
    ids = [e["source_id"] for e in entries]
    for sheet in sorted(SHEETS.glob("*.yaml")):
        if sheet.stem not in ids:
            raise PipelineError(rel(sheet), 0, f"the sheet's name is not `<source_id>.yaml` of a source in {rel(MANIFEST)}",
                                "rename the sheet after its source's source_id, or add the source to the manifest")
    registry = actors.load()[0]
    rules = boilerplate_rules()
    v = version()
    write_bytes_atomic(WORK / "sources.mk", ("ALL_SOURCES := " + " ".join(ids) + "\n").encode())
    log.info("%d sources, %d actors, %d boilerplate rules, version %s", len(ids), len(registry), len(rules), v)
