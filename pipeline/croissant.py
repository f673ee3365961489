"""croissant.json: the package described in Croissant 1.1 (MLCommons), for ML tools and, being
schema.org Dataset JSON-LD, for dataset catalogs. Made from the package descriptor, so every
file's sha256, every table's columns, keys and foreign keys are the descriptor's own."""

CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
# The JSON-LD context Croissant 1.1 documents (mlcroissant writes the same one).
CONTEXT = {
    "@language": "en", "@vocab": "https://schema.org/", "sc": "https://schema.org/",
    "cr": "http://mlcommons.org/croissant/", "rai": "http://mlcommons.org/croissant/RAI/",
    "dct": "http://purl.org/dc/terms/", "citeAs": "cr:citeAs", "column": "cr:column",
    "conformsTo": "dct:conformsTo", "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract", "field": "cr:field",
    "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject", "fileSet": "cr:fileSet",
    "format": "cr:format", "includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath", "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField",
    "path": "cr:path", "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex",
    "repeated": "cr:repeated", "replace": "cr:replace", "samplingRate": "cr:samplingRate",
    "separator": "cr:separator", "source": "cr:source", "subField": "cr:subField", "transform": "cr:transform",
    "arrayShape": "cr:arrayShape", "containedIn": "cr:containedIn", "isArray": "cr:isArray",
}
DATA_TYPES = {"string": "sc:Text", "integer": "sc:Integer", "boolean": "sc:Boolean", "date": "sc:Date", "number": "sc:Float"}


def croissant(descriptor, citation):
    """The Croissant document of a package descriptor: a FileObject with its sha256 per Parquet
    file, and one RecordSet per table read from it, with its key and its references."""
    tables = [r for r in descriptor["resources"] if r.get("format") == "parquet"]
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": descriptor["name"],
        "alternateName": descriptor["title"],
        "description": descriptor["description"],
        "version": descriptor["version"],
        "datePublished": descriptor["created"][:10],
        "license": [lic["path"] for lic in descriptor["licenses"] if lic.get("path")],
        "creator": [{"@type": "sc:Organization", "name": c["title"]} for c in descriptor["contributors"]],
        "citeAs": citation,
        "isBasedOn": [{"@type": "sc:CreativeWork", "name": s["title"], **({"url": s["path"]} if s.get("path") else {})}
                      for s in descriptor["sources"]],
        "distribution": [{"@type": "cr:FileObject", "@id": r["path"], "name": r["path"], "contentUrl": r["path"],
                          "encodingFormat": "application/x-parquet", "sha256": r["hash"].removeprefix("sha256:")}
                         for r in tables],
        "recordSet": [_record_set(r) for r in tables],
    }


def _record_set(resource):
    table, schema = resource["name"].removesuffix("-parquet"), resource["schema"]
    references = {}
    for fk in schema.get("foreignKeys", []):
        target = fk["reference"]["resource"].removesuffix("-parquet") or table
        for local, remote in zip(fk["fields"], fk["reference"]["fields"]):
            references[local] = f"{target}/{remote}"
    fields = []
    for f in schema["fields"]:
        field = {"@type": "cr:Field", "@id": f"{table}/{f['name']}", "name": f["name"],
                 "description": f.get("description", ""), "dataType": DATA_TYPES[f["type"]],
                 "source": {"fileObject": {"@id": resource["path"]}, "extract": {"column": f["name"]}}}
        if f["name"] in references:
            field["references"] = {"field": {"@id": references[f["name"]]}}
        fields.append(field)
    return {"@type": "cr:RecordSet", "@id": table, "name": table, "description": resource.get("description", ""),
            "key": [{"@id": f"{table}/{k}"} for k in schema.get("primaryKey", [])], "field": fields}
