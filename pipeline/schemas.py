"""The one reader of schemas/: expands fields, groups and tables into Table Schemas and
Arrow schemas, so no other module restates a column."""
import copy
from functools import lru_cache

from .files import PipelineError, read_config
from .paths import SCHEMAS

# Table Schema type -> the pyarrow type (by name: pyarrow is imported only where Parquet is written)
ARROW_TYPES = {"string": "string", "integer": "int64", "boolean": "bool_", "date": "date32", "number": "float64"}


@lru_cache(maxsize=None)
def _tables_yaml():
    return read_config(SCHEMAS / "tables.yaml")


@lru_cache(maxsize=None)
def _spec():
    return read_config(SCHEMAS / "fields.yaml"), _tables_yaml()["tables"]


@lru_cache(maxsize=None)
def sheet_format():
    """The coding sheet format (schemas/sheet.yaml): common and per-section record keys with
    whether each is required, what each key holds, and how synth rewrites each."""
    return read_config(SCHEMAS / "sheet.yaml")


def _table_list(key):
    names = _tables_yaml()[key]
    unknown = [n for n in names if n not in _tables_yaml()["tables"]]
    if unknown:
        raise PipelineError("schemas/tables.yaml", _tables_yaml().line_of(key), f"{key} names {unknown[0]!r}, which is not a table",
                            "name tables declared under tables:")
    return list(names)


def record_tables():
    """The tables coded from the sheets' records (schemas/tables.yaml record_tables)."""
    return _table_list("record_tables")


def evidence_required():
    """The tables whose every row needs an evidence row (schemas/tables.yaml evidence_required)."""
    return _table_list("evidence_required")


@lru_cache(maxsize=None)
def _exports():
    return read_config(SCHEMAS / "exports.yaml")["exports"]


def export_names():
    """The exports in other formats' columns (schemas/exports.yaml), published under exports/."""
    return list(_exports())


def export_spec(name):
    """An export's title, description, format, `cannot_hold` and `left_out` notes."""
    return {k: v for k, v in _exports()[name].items() if k != "fields"}


def _field(name, spec, patterns):
    field = {"name": name, "type": spec["type"], "description": spec["description"]}
    constraints = dict(spec.get("constraints", {}))
    if "values" in spec:
        constraints["enum"] = list(spec["values"])
    if constraints.get("pattern") in patterns:
        constraints["pattern"] = patterns[constraints["pattern"]]
    if constraints:
        field["constraints"] = constraints
    return field


def _expand(entry, fields_spec):
    """One entry of a table's field list -> the Table Schema fields it stands for."""
    patterns = fields_spec["patterns"]
    for kind in ("date_group", "count_group"):
        if isinstance(entry, dict) and kind in entry:
            prefix = entry[kind]
            group = fields_spec["groups"][kind.removesuffix("_group")]
            out = []
            for member, spec in group.items():
                field = _field(f"{prefix}_{member}", spec, patterns)
                field["description"] = field["description"].replace("{what}", entry.get("what", ""))
                out.append(field)
            return out
    if isinstance(entry, str):
        return [_field(entry, fields_spec["fields"][entry], patterns)]
    field = _field(entry["name"], fields_spec["fields"][entry["name"]], patterns)
    if "description" in entry:
        field["description"] = entry["description"]
    if "required" in entry:
        field.setdefault("constraints", {})["required"] = entry["required"]
        if not entry["required"]:
            del field["constraints"]["required"]
            if not field["constraints"]:
                del field["constraints"]
    return [field]


def table_names():
    return list(_spec()[1])


def table_description(table):
    return (_exports() if table in _exports() else _spec()[1])[table]["description"]


@lru_cache(maxsize=None)
def _table_schema(table):
    fields_spec, tables = _spec()
    if table in _exports():  # an export declares its own columns, in its format's order
        spec = _exports()[table]
        fields = [_field(name, column, fields_spec["patterns"]) for name, column in spec["fields"].items()]
    else:
        spec = tables[table]
        fields = [f for entry in spec["fields"] for f in _expand(entry, fields_spec)]
    schema = {"fields": fields, "primaryKey": list(spec["primaryKey"])}
    if spec.get("foreignKeys"):
        schema["foreignKeys"] = [
            {"fields": list(fk["fields"]),
             "reference": {"resource": fk["table"], "fields": list(fk.get("reference_fields", _pk(fk["table"])))}}
            for fk in spec["foreignKeys"]]
    return schema


def _pk(table):
    return (_exports() if table in _exports() else _spec()[1])[table]["primaryKey"]


def table_schema(table, resource_suffix=""):
    """The Table Schema of a table; foreign keys point at resources named <table><suffix>."""
    schema = copy.deepcopy(_table_schema(table))
    for fk in schema.get("foreignKeys", []):
        fk["reference"]["resource"] += resource_suffix
    return schema


def columns(table):
    return [f["name"] for f in _table_schema(table)["fields"]]


def fields(table):
    return copy.deepcopy(_table_schema(table)["fields"])


def enum_values(table, column):
    for f in _table_schema(table)["fields"]:
        if f["name"] == column:
            return f.get("constraints", {}).get("enum")
    raise KeyError(f"{table}.{column}")


def declaration(table, column):
    """Where a column is declared, for the codebook: `key` names its vocabulary (a field name, or
    `<group>.<member>` for a date or count group member, shared by every table using it),
    `values` maps each enumeration value to its meaning (None when not an enumeration), and
    `file`/`line` locate its description."""
    fields_spec, tables = _spec()
    for entry in tables[table]["fields"]:
        for kind in ("date_group", "count_group"):
            if isinstance(entry, dict) and kind in entry:
                group = kind.removesuffix("_group")
                for member, spec in fields_spec["groups"][group].items():
                    if column == f"{entry[kind]}_{member}":
                        return _declared(f"{group}.{member}", spec, "schemas/fields.yaml", spec)
        name = entry if isinstance(entry, str) else entry.get("name")
        if name == column:
            spec = fields_spec["fields"][name]
            overridden = isinstance(entry, dict) and "description" in entry
            return _declared(name, spec, "schemas/tables.yaml" if overridden else "schemas/fields.yaml", entry if overridden else spec)
    raise KeyError(f"{table}.{column}")


def _declared(key, spec, file, node):
    values = spec.get("values")
    return {"key": key, "values": dict(values) if values is not None else None, "file": file, "line": getattr(node, "line", 0)}


def references_to(target):
    """{table: [columns]} of the foreign keys that point at `target` (e.g. every column naming an actor)."""
    return {t: [f for fk in _table_schema(t).get("foreignKeys", []) if fk["reference"]["resource"] == target for f in fk["fields"]]
            for t in table_names() if any(fk["reference"]["resource"] == target for fk in _table_schema(t).get("foreignKeys", []))}


def arrow_schema(table):
    """Parquet types: dates date32, counts int64, booleans bool, enumerations dictionary-encoded."""
    import pyarrow as pa
    out = []
    for f in _table_schema(table)["fields"]:
        arrow_type = getattr(pa, ARROW_TYPES[f["type"]])()
        if "enum" in f.get("constraints", {}) and f["type"] == "string":
            arrow_type = pa.dictionary(pa.int32(), pa.string())
        out.append(pa.field(f["name"], arrow_type, nullable=not f.get("constraints", {}).get("required", False)))
    return pa.schema(out)
