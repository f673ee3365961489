"""Typed tables as Parquet files with the Arrow types of schemas/: what package publishes, and what
link hands on to the stages after it (one file per table in .work/linked/), so no stage parses a
table from JSON text and every cell keeps its declared type between stages."""
import datetime
import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import schemas
from .files import REBUILD, PipelineError, check_file, recorded, rel
from .paths import WORK

# The published files: fixed writer settings, so a rebuild writes the same bytes
PUBLISHED = dict(compression="zstd", compression_level=9, use_dictionary=True, version="2.6",
                 data_page_version="1.0", write_statistics=True)
# Between stages: read once by the next stage, so written fast
INTERMEDIATE = dict(compression="zstd", compression_level=1, use_dictionary=True, version="2.6", write_statistics=False)
PANDAS_DTYPES = {"integer": "Int64", "boolean": "boolean", "string": "object", "date": "object", "number": "Float64"}


def parquet_bytes(table, rows, settings=PUBLISHED):
    """Rows (dicts; dates as dates or ISO text, empty text as no value) as typed Parquet, written
    from pandas nullable dtypes (frictionless reads integer nulls right only then). Between stages
    every column may be empty: a stage after link fills some required ones (the evidence's quote)."""
    fields = schemas.fields(table)
    data = {}
    for f in fields:
        values = [None if r[f["name"]] in ("", None) else r[f["name"]] for r in rows]
        if f["type"] == "date":
            values = [datetime.date.fromisoformat(v) if isinstance(v, str) else v for v in values]
        data[f["name"]] = pd.Series(values, dtype=PANDAS_DTYPES[f["type"]])
    frame = pd.DataFrame(data, columns=[f["name"] for f in fields])
    schema = schemas.arrow_schema(table)
    if settings is INTERMEDIATE:
        schema = pa.schema([f.with_nullable(True) for f in schema])
    arrow = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    buf = io.BytesIO()
    pq.write_table(arrow, buf, **settings)
    return buf.getvalue()


def read_rows(path, table, stage):
    """The rows of a table file that `stage` wrote (checked against its record: a truncated or
    altered file stops the build naming it), as parquet_bytes took them: dicts, dates as ISO text,
    no value as None."""
    data = check_file(path, recorded(stage).get(path.relative_to(WORK).as_posix()))
    try:
        arrow = pq.read_table(pa.BufferReader(data))
    except pa.ArrowException as e:
        raise PipelineError(rel(path), 0, f"not a Parquet file ({e})", REBUILD) from None
    dates = [f["name"] for f in schemas.fields(table) if f["type"] == "date"]
    columns = {name: arrow.column(name).to_pylist() for name in arrow.column_names}
    for name in dates:
        columns[name] = [d.isoformat() if d is not None else None for d in columns[name]]
    return [dict(zip(columns, values)) for values in zip(*columns.values())]
