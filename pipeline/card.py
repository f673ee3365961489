"""README.md of the package: a dataset card whose YAML header lists one Hugging Face `configs:`
entry per table, so `datasets.load_dataset(folder, "events")` loads a table offline with its
types. Written from the descriptor, so tables, licences and version are the package's own."""
import json


def card(descriptor, citation, row_counts):
    tables = [r for r in descriptor["resources"] if r.get("format") == "parquet"]
    header = ["---", f"pretty_name: {json.dumps(descriptor['title'], ensure_ascii=False)}",
              "license: cc-by-sa-4.0", "configs:"]
    for r in tables:  # events, the table most users start from, is the default
        header += [f"- config_name: {r['name'].removesuffix('-parquet')}", f"  data_files: {r['path']}"]
        header += ["  default: true"] if r["name"] == "events-parquet" else []
    header += ["---", ""]
    body = [f"# {descriptor['title']} ({descriptor['name']}) {descriptor['version']}", "",
            descriptor["description"], "",
            "## Tables", "", "| table | rows | what it holds |", "|---|---|---|"]
    body += [f"| `{r['name'].removesuffix('-parquet')}` | {row_counts[r['name'].removesuffix('-parquet')]} | {r['description']} |"
             for r in tables]
    body += ["", "Each table is here as CSV and as typed Parquet (dates `date32`, counts `int64`, booleans `bool`); "
             "`datapackage.json` is the Frictionless descriptor with every column's type, constraints and meaning, "
             "`schemas/<table>.json` validates a table alone, `croissant.json` is the Croissant 1.1 description, "
             "and `docs/codebook.md` explains every column and value.", "",
             "## Load", "", "```python",
             "import pandas as pd",
             'events = pd.read_parquet("events.parquet", dtype_backend="pyarrow")  # dates stay dates: events.date_start.dt.year',
             "import polars as pl; pl.read_parquet(\"events.parquet\")",
             "import duckdb; duckdb.sql(\"SELECT event_type, count(*) FROM 'events.parquet' GROUP BY ALL\").show()",
             'from datasets import load_dataset; load_dataset(".", "events")  # one config per table', "```", "",
             "## Verify", "",
             "`python verify.py` (standard library and pyarrow) checks every file's sha256, each table against its "
             "schema, the Parquet files against their CSV and the foreign keys; `sha256sum -c SHA256SUMS` checks the bytes.", "",
             "## Licence", ""]
    body += [f"- {lic.get('title') or lic['name']}" + (f" ({lic['path']})" if lic.get("path") else "") for lic in descriptor["licenses"]]
    body += ["", descriptor["x-redistribution"]] if descriptor.get("x-redistribution") else []
    body += ["", "## Cite", "", citation, ""]
    return "\n".join(header + body)
