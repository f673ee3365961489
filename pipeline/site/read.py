"""Reading the validated package for the site: tables as string rows, quality.json, the raw
text of the `full` sources only, and small lookups the charts share."""
import csv

from ..files import Mapping, PipelineError, read_json, rel
from ..paths import PACKAGE, QUALITY
from ..ingest import read_raw
from .layout import PALETTE



def load():
    """The validated package: descriptor, rows of every CSV table (as strings) and quality.json."""
    descriptor = read_json(PACKAGE / "datapackage.json")
    resources = {r["name"]: r for r in descriptor["resources"] if r["format"] == "csv" and not r["path"].startswith("exports/")}
    tables = {}
    for name, resource in resources.items():
        path = PACKAGE / resource["path"]
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            expected = [field["name"] for field in resource["schema"]["fields"]]
            if header != expected:
                raise PipelineError(rel(path), 1, f"header {header} differs from the descriptor's fields {expected}",
                                    "rebuild the package (make) so the CSV and datapackage.json agree")
            tables[name] = [dict(zip(header, row)) for row in reader]
    quality = read_json(QUALITY)
    for name, count in quality["counts"].items():
        if len(tables.get(name, [])) != count:
            raise PipelineError(rel(QUALITY), 0, f"counts {name} is {count} but {name}.csv has "
                                f"{len(tables.get(name, []))} rows", "run make so validate sees the current package")
    return descriptor, resources, tables, quality


def documents(sources, evidence):
    """The decoded raw text of every source whose words may be published whole (redistribution
    `full`; sha256 checked against the sources table), and a check that each of its evidence rows'
    offsets still point at its quote. The text of any other source is never read here."""
    texts = {}
    for source in sources:
        if source["redistribution"] == "full":
            texts[source["source_id"]] = read_raw(Mapping(file=source["file"], sha256=source["sha256"]))
    for row in evidence:
        if row["source_id"] in texts and texts[row["source_id"]][int(row["char_start"]):int(row["char_end"])] != row["quote"]:
            raise PipelineError(rel(PACKAGE / "evidence.csv"), 0, f"evidence {row['evidence_id']}: the offsets do not "
                                "point at the quote in the raw file", "rebuild the package from the current raw/ files")
    return texts


def enum(resources, table, column):
    for field in resources[table]["schema"]["fields"]:
        if field["name"] == column:
            return field.get("constraints", {}).get("enum", [])
    raise KeyError(f"{table}.{column}")


def colours(values, palette=PALETTE):
    return {v: palette[i % len(palette)] for i, v in enumerate(values)}


def conflict_names(tables):
    """Conflicts by name (conflicts.name), never by slug."""
    return {c["conflict_id"]: c["name"] for c in tables["conflicts"]}


def short_names(tables):
    """An actor's first acronym among its aliases (IS-KP, JNIM), else its name: for tight labels."""
    short = {a["actor_id"]: a["name"] for a in tables["actors"]}
    for alias in sorted(tables["actor_aliases"], key=lambda r: (r["actor_id"], r["alias"]), reverse=True):
        if alias["alias_type"] == "acronym":
            short[alias["actor_id"]] = alias["alias"]
    return short
