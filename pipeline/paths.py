"""Every path the pipeline reads or writes, in one place. Modules import their paths from here;
none joins a folder name of its own."""
import os
from pathlib import Path

# The project folder whose raw/, annotations/, schemas/ and build/ are used; tests point it at a
# fixture corpus with AQ_ROOT.
ROOT = Path(os.environ.get("AQ_ROOT") or Path(__file__).resolve().parent.parent).resolve()
CODE = Path(__file__).resolve().parent  # pipeline/: the code, its templates and site assets

# inputs
RAW = ROOT / "raw"
MANIFEST = RAW / "sources.yaml"
ANNOTATIONS = ROOT / "annotations"
SHEETS = ANNOTATIONS / "sources"
REGISTRY = ANNOTATIONS / "actors.yaml"
BOILERPLATE = ANNOTATIONS / "boilerplate.yaml"
PLACES = ANNOTATIONS / "places.yaml"
STUDY = ANNOTATIONS / "reliability"
SCHEMAS = ROOT / "schemas"
PYPROJECT = ROOT / "pyproject.toml"
CHANGELOG = ROOT / "CHANGELOG.md"
CONVENTIONS_YAML = CODE / "conventions.yaml"
TEMPLATES = CODE / "templates"
ASSETS = CODE / "site_assets"

# Intermediates live outside build/, so that a failed or interrupted build leaves every byte of
# build/ as it was; build/ holds only what promote published.
WORK = ROOT / ".work"
INGESTED = WORK / "ingest"  # <source_id>.json
CODED = WORK / "coded"  # <source_id>.json
PLACES_JSON = WORK / "places.json"
LINKED = WORK / "linked.json"  # what link found beside the tables: disagreements, coverage, shared passages
LINKED_TABLES = WORK / "linked"  # <table>.parquet
PACKAGE = WORK / "package"
RELIABILITY = WORK / "reliability.json"
QUALITY = WORK / "quality.json"
DATABASE = WORK / "aq-is-conflict.sqlite"
SITE = WORK / "site"
DOCS = WORK / "docs"
# What each stage wrote for publication, by sha256 (.work/hashes/<stage>.json): promote publishes
# nothing else, so a truncated or altered intermediate never reaches build/.
HASHES = WORK / "hashes"

# outputs
BUILD = ROOT / "build"
NEXT = ROOT / ".build-next"  # promote's staging copy of build/
DIST = ROOT / "dist"
RELEASES = ROOT / "releases"


def ingest_file(source_id):
    return INGESTED / f"{source_id}.json"


def coded_file(source_id):
    return CODED / f"{source_id}.json"
