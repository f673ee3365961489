"""Stage 5, validate: the staged package must pass the Frictionless Table Schema rules (types,
required, enumerations, patterns, bounds, primary and foreign keys), our own file checks (sizes and hashes, which
frictionless does not check on Parquet), and a Great Expectations suite for the rules a Table
Schema cannot state. Any failure stops the build; the report is build/quality.json."""
import hashlib
import json
import logging
import shutil

import pandas as pd

from . import policy, reliability, schemas, structure
from .files import PipelineError, json_bytes, read_json, rel, write_bytes_atomic, write_files
from .files import version
from .typed import read_rows
from .paths import LINKED, LINKED_TABLES, PACKAGE, QUALITY, RELIABILITY, WORK, ingest_file

log = logging.getLogger(__name__)

REPORT = QUALITY
DATA_DOCS = WORK / "data-docs"
FAILED = WORK / "quality-failed.json"


def table_schema_report(package=PACKAGE):
    """The Frictionless Table Schema rules on the CSV resources (table_schema_problems), and each
    Parquet resource held to its CSV (parquet_checks): what holds of the CSV then holds for the
    Parquet file too. quality.json keeps it under the key `frictionless` (the standard whose
    rules these are), so readers of earlier reports find it where it was."""
    errors = table_schema_problems(package) + parquet_checks(package)
    return {"valid": not errors, "errors": errors[:50], "error_count": len(errors)}


def _keys(table, names):
    """One text key per row from the named columns (joined by a unit separator when several)."""
    import pyarrow.compute as pc
    columns = [table.column(n) for n in names]
    return columns[0] if len(columns) == 1 else pc.binary_join_element_wise(*columns, "\x1f")


def _rows(mask):
    """The CSV row numbers (the header is row 1) where a boolean column is true."""
    import numpy as np
    return (np.flatnonzero(mask.to_numpy(zero_copy_only=False)) + 2).tolist()


def table_schema_problems(package=PACKAGE):
    """Each CSV resource against its Table Schema, a column at a time: the header, the cells of
    each row, types, required values, enumerations, patterns, minimum and maximum (the rules of
    verify.py, once per distinct value), primary keys and the descriptor's foreign keys; as
    `file:row: column: problem` lines. The frictionless library read the package a row at a time
    here (47 s at 100 times our corpus); the test suite still runs it on the published package."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    from .verify import check_cell, unchecked
    resources = [r for r in read_json(package / "datapackage.json")["resources"] if r["format"] == "csv"]
    tables, problems = {}, []
    for res in resources:
        path, fields = res["path"], res["schema"]["fields"]
        names = [f["name"] for f in fields]
        try:
            table = pacsv.read_csv(package / path, parse_options=pacsv.ParseOptions(newlines_in_values=True),
                                   convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                                        strings_can_be_null=False, quoted_strings_can_be_null=False))
        except (OSError, pa.ArrowInvalid) as e:
            problems.append(_row_of_bad_width(package / path, path, len(names)) or f"{path}: cannot be read as CSV ({e})")
            continue
        if table.column_names != names:
            problems.append(f"{path}:1: header is {table.column_names}, the schema says {names}")
            continue
        tables[res["name"]] = table
        problems += [f"{path}: {unchecked(f)}; add the rule to pipeline/verify.py" for f in fields if unchecked(f)]
        for field in fields:
            column = table.column(field["name"])
            bad = {}
            for value in pc.unique(column).to_pylist():
                found = check_cell(value, field)
                if found:
                    bad[value] = "; ".join(p if p.startswith(field["name"]) else f"{field['name']}: {p}" for p in found)
            if bad:
                values = column.to_pylist()
                problems += [f"{path}:{n}: {bad[values[n - 2]]}" for n in _rows(pc.is_in(column, value_set=pa.array(list(bad), pa.string())))]
        key = res["schema"].get("primaryKey") or []
        key = [key] if isinstance(key, str) else key
        if key:
            keys = _keys(table, key)
            counts = pc.value_counts(keys)
            repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
            if len(repeated):
                first, values = {}, keys.to_pylist()
                for n in _rows(pc.is_in(keys, value_set=repeated)):
                    if values[n - 2] in first:
                        problems.append(f"{path}:{n}: primary key {values[n - 2].split(chr(31))} repeats row {first[values[n - 2]]}")
                    first.setdefault(values[n - 2], n)
    by_name = {r["name"]: r for r in resources}
    for res in resources:
        for fk in res["schema"].get("foreignKeys", []) if res["name"] in tables else []:
            local, ref = fk["fields"], fk["reference"]
            remote, target = ref["fields"], ref.get("resource") or res["name"]
            local, remote = ([local] if isinstance(local, str) else local), ([remote] if isinstance(remote, str) else remote)
            if target not in by_name:
                problems.append(f"{res['path']}: the foreign key {local} refers to {target!r}, which is no resource")
            if target not in tables:  # an unreadable table is reported once, as itself
                continue
            table = tables[res["name"]]
            keys = _keys(table, local)
            empty = pc.and_(*[pc.equal(table.column(n), "") for n in local]) if len(local) > 1 else pc.equal(table.column(local[0]), "")
            dangling = pc.and_(pc.invert(empty), pc.invert(pc.is_in(keys, value_set=pc.unique(_keys(tables[target], remote)))))
            if pc.any(dangling).as_py():
                values = keys.to_pylist()
                problems += [f"{res['path']}:{n}: {', '.join(local)} {values[n - 2].split(chr(31))} is not in {by_name[target]['path']}"
                             for n in _rows(dangling)]
    log.info("table schemas: %d resources, %s", len(resources), "valid" if not problems else "INVALID")
    return problems


def _row_of_bad_width(file, path, width):
    """The first row of a CSV file whose number of cells is not the header's, as a problem line
    (Arrow's reader says what it expected, not where)."""
    import csv
    try:
        with open(file, newline="", encoding="utf-8") as f:
            for n, cells in enumerate(csv.reader(f), 1):
                if len(cells) != width:
                    return f"{path}:{n}: {len(cells)} cells, the header has {width}" if n > 1 else None
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


def parquet_checks(package=PACKAGE):
    """Each Parquet file has the schema's Arrow types and the same rows as its CSV, cell for cell
    (the CSV read back with those types: empty cells are nulls, as publish writes them)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    problems = []
    for table, path in [(t, t) for t in schemas.table_names()] + [(n, f"exports/{n}") for n in schemas.export_names()]:
        expected = schemas.arrow_schema(table)
        parquet = pq.read_table(package / f"{path}.parquet")
        if not parquet.schema.remove_metadata().equals(expected):
            problems.append(f"{table}-parquet: schema: the Parquet types are {parquet.schema.remove_metadata()}, not {expected}")
            continue
        plain = pa.schema([(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type) for f in expected])
        try:
            from_csv = pacsv.read_csv(package / f"{path}.csv", parse_options=pacsv.ParseOptions(newlines_in_values=True),
                                      convert_options=pacsv.ConvertOptions(
                                          column_types=plain, include_columns=plain.names, null_values=[""],
                                          strings_can_be_null=True, true_values=["true"], false_values=["false"]))
        except (pa.ArrowInvalid, KeyError) as e:
            problems.append(f"{table}-parquet: the CSV cannot be read with the Parquet types ({e})")
            continue
        differ = [name for name in plain.names if not from_csv.column(name).equals(parquet.column(name).cast(plain.field(name).type))]
        if from_csv.num_rows != parquet.num_rows or differ:
            problems.append(f"{table}-parquet: rows differ from {table}.csv ({from_csv.num_rows} and {parquet.num_rows} rows; "
                            f"columns {differ})")
    return problems


def file_checks(descriptor):
    """Every resource's sha256 (and CSV size) against the descriptor."""
    problems = []
    for res in descriptor["resources"]:
        data = (PACKAGE / res["path"]).read_bytes()
        if res["hash"] != "sha256:" + hashlib.sha256(data).hexdigest():
            problems.append(f"{res['path']}: hash differs from the descriptor")
        if "bytes" in res and res["bytes"] != len(data):
            problems.append(f"{res['path']}: size differs from the descriptor")
    return problems


def load_tables():
    """Each table from its Parquet file, as typed pandas frames."""
    frames = {}
    for table in schemas.table_names():
        frame = pd.read_parquet(PACKAGE / f"{table}.parquet")
        for f in schemas.fields(table):
            if f["type"] == "date":
                frame[f["name"]] = pd.to_datetime(frame[f["name"]])
            elif "enum" in f.get("constraints", {}):
                frame[f["name"]] = frame[f["name"]].astype("object")
        frames[table] = frame
    return frames


def derive_checks(frames):
    """Columns that turn the cross-table rules into single-column expectations; returns the
    excerpt problems of the evidence table (the redistribution policy)."""
    evidence = frames["evidence"]
    for table in schemas.evidence_required():
        key = schemas.table_schema(table)["primaryKey"][0]
        counts = evidence.loc[evidence["record_table"] == table, "record_id"].value_counts()
        frames[table]["evidence_rows"] = frames[table][key].map(counts).fillna(0).astype("int64")
    texts = {s: read_json(ingest_file(s))["text"] for s in frames["sources"]["source_id"]}
    policies = dict(zip(frames["sources"]["source_id"], frames["sources"]["redistribution"]))
    # the rows through Arrow (pandas' to_dict boxes every cell: three times as slow)
    import pyarrow as pa
    rows = pa.Table.from_pandas(evidence, preserve_index=False).to_pylist()
    evidence["quote_matches"] = [policy.quote_ok(row, texts[row["source_id"]], policies[row["source_id"]]) for row in rows]
    excerpts = policy.excerpt_problems(rows, texts, policies)
    casualties = frames["casualties"]
    event_types = casualties["event_id"].map(frames["events"].set_index("event_id")["event_type"])
    # a whole war's figure is never an event's toll, and an event's toll is never a war's total
    casualties["scope_consistent"] = [
        (scope != "event") if event_type == "armed_conflict" else (scope != "conflict_total")
        for event_type, scope in zip(event_types, casualties["scope"])]
    events = frames["events"]
    # GED's rule: the best figure by party sums to the best figure (all empty for an event without deaths)
    split = events[["deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"]]
    best = events["deaths_best"]
    events["deaths_split_sums_to_best"] = ((best.isna() & split.isna().all(axis=1))
                                           | (best.notna() & (split.sum(axis=1) == best).fillna(False))).astype(bool)
    used = set()
    for table, cols in schemas.references_to("actors").items():
        if table != "actor_aliases":
            for c in cols:
                used |= set(frames[table][c].dropna())
    actors = frames["actors"]
    actors["used_or_explained"] = [a in used or n > 0 for a, n in zip(actors["actor_id"], actors["evidence_rows"])]
    return excerpts


def expectations():
    """(table, expectation) pairs; date-pair rules come from every date group in schemas/."""
    import great_expectations.expectations as gxe
    out = [("casualties", gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="count_high", column_B="count_low", or_equal=True,
                                                                        ignore_row_if="either_value_is_missing")),
           ("casualties", gxe.ExpectColumnValuesToBeInSet(column="scope_consistent", value_set=[True])),
           ("evidence", gxe.ExpectColumnValuesToBeInSet(column="quote_matches", value_set=[True])),
           ("events", gxe.ExpectColumnValuesToBeInSet(column="deaths_split_sums_to_best", value_set=[True])),
           ("events", gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="deaths_best", column_B="deaths_low", or_equal=True,
                                                                  ignore_row_if="either_value_is_missing")),
           ("evidence", gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="char_end", column_B="char_start")),
           ("actors", gxe.ExpectColumnValuesToBeInSet(column="used_or_explained", value_set=[True]))]
    for table in schemas.evidence_required():
        out.append((table, gxe.ExpectColumnValuesToBeBetween(column="evidence_rows", min_value=1)))
    for table in schemas.table_names():
        names = schemas.columns(table)
        for name in names:
            if name.endswith("_start") and name.removesuffix("_start") + "_end" in names and name != "char_start":
                out.append((table, gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=name.removesuffix("_start") + "_end", column_B=name, or_equal=True, ignore_row_if="either_value_is_missing")))
    return out


def run_expectations(frames, docs_dir=DATA_DOCS):
    """Run the suite table by table, then build the Data Docs once (rebuilding them after each
    table cost more than validating); the HTML goes to .work/data-docs/ (it loads assets
    from CDNs and has timestamped paths, so it is not part of the published package)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    shutil.rmtree(docs_dir, ignore_errors=True)
    context.add_data_docs_site("local", {"class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                                         "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)}})
    source = context.data_sources.add_pandas("tables")
    results = []
    by_table = {}
    for table, expectation in expectations():
        by_table.setdefault(table, []).append(expectation)
    for done, (table, exps) in enumerate(by_table.items(), 1):
        batch = source.add_dataframe_asset(name=table).add_batch_definition_whole_dataframe("all")
        suite = context.suites.add(gx.ExpectationSuite(name=table, expectations=exps))
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=table, data=batch, suite=suite))
        run = definition.run(batch_parameters={"dataframe": frames[table]})
        log.info("expectations: %s (%d of %d tables)", table, done, len(by_table))
        for r in run.results:
            kwargs = {k: v for k, v in r.expectation_config.kwargs.items() if k != "batch_id"}
            results.append({"table": table, "expectation": r.expectation_config.type, "kwargs": kwargs,
                            "success": bool(r.success), "unexpected_count": r.result.get("unexpected_count", 0)})
    context.build_data_docs()
    return sorted(results, key=lambda r: (r["table"], r["expectation"], json.dumps(r["kwargs"], sort_keys=True)))


def coverage_failures(coverage):
    """Sources whose flagged sentences are not all covered by a record or a waiver."""
    from .conventions import CONVENTIONS
    required = CONVENTIONS["candidates"]["required_coverage"]
    return [f"candidate coverage of {source} is {c['coverage']:.1%}, below {required:.0%}: "
            f"{len(c['uncovered'])} flagged sentence(s) neither coded nor waived, e.g. {c['uncovered'][0]['text'][:80]!r} "
            f"(make candidates SOURCE={source})"
            for source, c in sorted(coverage.items()) if c["coverage"] < required]


def validate():
    descriptor = read_json(PACKAGE / "datapackage.json")
    linked = read_json(LINKED)
    frames = load_tables()
    excerpt_problems = derive_checks(frames)
    policies = dict(zip(frames["sources"]["source_id"], frames["sources"]["redistribution"]))
    report = {
        "version": version(),
        "counts": {t: len(frames[t]) for t in schemas.table_names()},
        "frictionless": table_schema_report(),
        "file_checks": file_checks(descriptor),
        "expectations": run_expectations(frames),
        "candidate_coverage": policy.redact_coverage(linked["candidate_coverage"], policies),
        "disagreements": linked["disagreements"],
        "disputed_rows": {t: sorted(frames[t].loc[frames[t]["disputed"], schemas.table_schema(t)["primaryKey"][0]].tolist())
                          for t in schemas.record_tables()},
        "shared_passages": linked["shared_passages"],
        "confidence": {t: {v: int((frames[t]["confidence"] == v).sum()) for v in schemas.enum_values(t, "confidence")}
                       for t in schemas.record_tables()},
        "reliability": reliability.redact(read_json(RELIABILITY), policies),
        "sums_beside_totals": structure.sums_beside_totals(
            {t: read_rows(LINKED_TABLES / f"{t}.parquet", t, "link") for t in ("events", "conflicts", "casualties", "dyads")}),
    }
    failed = [f"{e['table']}: {e['expectation']} {e['kwargs']} ({e['unexpected_count']} rows)" for e in report["expectations"] if not e["success"]]
    failed += report["frictionless"]["errors"] + report["file_checks"] + coverage_failures(linked["candidate_coverage"])
    failed += excerpt_problems
    if failed:
        write_bytes_atomic(FAILED, json_bytes(report))  # read by a person: indented like quality.json
        raise PipelineError(rel(PACKAGE / "datapackage.json"), 0, "validation failed:\n  " + "\n  ".join(failed[:20]),
                            f"see {rel(FAILED)}; correct the coding sheet or code that produced the rows")
    FAILED.unlink(missing_ok=True)
    write_files("validate", {REPORT.with_suffix(".md"): markdown(report).encode("utf-8"), REPORT: json_bytes(report)})
    log.info("valid: %d rows in %d tables, %d expectations met, file sizes and hashes match -> %s",
             sum(report["counts"].values()), len(report["counts"]), len(report["expectations"]), rel(REPORT))


def markdown(report):
    """The human-readable quality report: counts, coverage, disagreements, validation."""
    out = [f"# Quality report, aq-is-conflict {report['version']}", "", "## Rows per table", "",
           "| table | rows |", "|---|---|"]
    out += [f"| {t} | {n} |" for t, n in report["counts"].items()]
    out += ["", "## Candidate coverage", "", "Sentences the candidate finder flags, and how each is covered.", "",
            "| source | flagged | covered by records | waived | uncovered | coverage |", "|---|---|---|---|---|---|"]
    for source, c in sorted(report["candidate_coverage"].items()):
        out.append(f"| {source} | {c['flagged']} | {c['covered_by_records']} | {len(c['waived'])} | {len(c['uncovered'])} | {c['coverage']:.1%} |")
    for source, c in sorted(report["candidate_coverage"].items()):
        if c["waived"]:
            out += ["", f"Waived in {source}:", ""] + [f"- [{w['char_start']}:{w['char_end']}] " + (f"\"{w['text']}\"" if w["text"] else
                                                       "(words withheld: see the source's redistribution)") + f" — {w['reason']}" for w in c["waived"]]
    out += ["", "## Disagreements between sources", ""]
    for d in report["disagreements"]:
        for item in d["disagreements"]:
            values = "; ".join(f"{s}: {v}" for s, v in item["values"].items())
            out.append(f"- {d['table']} `{d['record_id']}`, {item['field']}: {values}")
    if not report["disagreements"]:
        out.append("None found: where several sources tell the same record, their dates and figures overlap.")
    out += ["", "## Confidence", "", "By the rule in pipeline/conventions.yaml (`confidence`).", "",
            "| table | " + " | ".join(next(iter(report["confidence"].values()))) + " |", "|---|---|---|---|"]
    out += [f"| {t} | " + " | ".join(str(n) for n in c.values()) + " |" for t, c in report["confidence"].items()]
    out += ["", "## Rows marked disputed", "", "Contested by a party or a source, or told differently by the sources behind them.", ""]
    out += [f"- {t}: " + ", ".join(f"`{i}`" for i in ids) for t, ids in report["disputed_rows"].items() if ids]
    out += ["", "## Passages copied between sources", ""]
    out += [f"- {p['source_id']} [{p['char_start']}:{p['char_end']}] is {p['shared_fraction']:.0%} shared with {p['also_in']}"
            for p in report["shared_passages"]]
    out += ["", "## Event sums beside the totals that cover them", "",
            "Deaths summed over event rows by the codebook's rule (casualty rows with scope event and an empty part_of), "
            "per conflict (with the conflicts inside it) and per dyad, beside every aggregate or conflict_total death figure "
            "that says it covers them. A sum below a total means events the sources do not tell one by one; "
            "high is open (+) when a figure has no upper bound.", "",
            "| conflict or dyad | events (with deaths) | low | best (claimed) | high | totals covering it |", "|---|---|---|---|---|---|"]
    for s in report["sums_beside_totals"]:
        if s["events_with_deaths"] or s["totals"]:
            totals = "; ".join(f"`{t['casualty_id']}` {t['count_text']}" + (f" ({t['date_text']})" if t["date_text"] else "")
                               + (f", part of `{t['part_of']}`" if t["part_of"] else "") for t in s["totals"]) or "none"
            out.append(f"| {s['kind']} `{s['id']}` | {s['events']} ({s['events_with_deaths']}) | {s['deaths_low']} | "
                       f"{s['deaths_best']} ({s['claimed_best']}) | {s['deaths_high'] if s['deaths_high'] is not None else '+'} | {totals} |")
    out += [""] + reliability.markdown(report["reliability"]).rstrip("\n").split("\n")
    fr = report["frictionless"]
    passed = sum(e["success"] for e in report["expectations"])
    out += ["", "## Validation", "", f"- Table Schema rules (Frictionless): {'valid' if fr['valid'] else 'INVALID'} ({fr['error_count']} errors)",
            f"- Great Expectations: {passed} of {len(report['expectations'])} expectations met",
            f"- File sizes and hashes: {'all match' if not report['file_checks'] else '; '.join(report['file_checks'])}", ""]
    return "\n".join(out)
