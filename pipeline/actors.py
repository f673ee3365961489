"""The alias registry (annotations/actors.yaml): every actor once, with every name the
sources use for it. Names in coding sheets resolve here; an unknown name is an error that
lists the closest known aliases."""
import difflib
from functools import lru_cache

from . import schemas
from .files import ROOT, PipelineError, read_yaml, rel

REGISTRY = ROOT / "annotations" / "actors.yaml"
ACTOR_KEYS = {"id", "name", "type", "alignment", "status", "country", "description", "aliases", "note"}
REQUIRED = {"id", "name", "type", "alignment", "status", "description"}


def _fail(line, problem, fix):
    raise PipelineError(rel(REGISTRY), line, problem, fix)


@lru_cache(maxsize=None)
def load():
    """(actors by id, alias index casefold -> actor_id, alias rows in registry order)."""
    actors, index, aliases = {}, {}, []
    alias_types = schemas.enum_values("actor_aliases", "alias_type")
    data = read_yaml(REGISTRY)
    if not isinstance(data, dict) or not isinstance(data.get("actors"), list):
        _fail(1, "no `actors:` list", "start the file with `actors:` and one entry per actor")
    for entry in data["actors"]:
        line = getattr(entry, "line", 0)
        if not isinstance(entry, dict):
            _fail(line, "an actor entry is not a mapping", "write `- id: ...` with the keys of an actor")
        unknown, missing = set(entry) - ACTOR_KEYS, REQUIRED - set(entry)
        if unknown:
            _fail(line, f"unknown key(s) {sorted(unknown)}", f"use only {sorted(ACTOR_KEYS)}")
        if missing:
            _fail(line, f"missing key(s) {sorted(missing)}", "add them")
        actor_id = entry["id"]
        if actor_id in actors:
            _fail(line, f"actor {actor_id!r} is defined twice (first at line {actors[actor_id]['line']})",
                  "merge the two entries into one")
        for column, key in (("actor_type", "type"), ("alignment", "alignment"), ("status", "status")):
            allowed = schemas.enum_values("actors", column)
            if entry[key] not in allowed:
                _fail(line, f"{key} {entry[key]!r} is not one of {allowed}", "use one of the listed values")
        actors[actor_id] = {"line": line, **entry}
        names = [{"alias": entry["name"], "type": "canonical"}] + list(entry.get("aliases") or [])
        for item in names:
            item = {"alias": item, "type": "other"} if isinstance(item, str) else item
            if item.get("type") not in alias_types:
                _fail(getattr(item, "line", line), f"alias type {item.get('type')!r} is not one of {alias_types}", "use one of the listed values")
            key = str(item["alias"]).casefold()
            if key in index and index[key] != actor_id:
                _fail(getattr(item, "line", line), f"alias {item['alias']!r} names both {index[key]!r} and {actor_id!r}",
                      "keep it on one actor and use a fuller name for the other")
            if key in index:
                _fail(getattr(item, "line", line), f"alias {item['alias']!r} is listed twice for {actor_id!r}", "remove the repeat")
            index[key] = actor_id
            aliases.append({"actor_id": actor_id, "alias": str(item["alias"]), "alias_type": item["type"]})
        index.setdefault(actor_id.casefold(), actor_id)
    return actors, index, aliases


def resolve(name, file, line):
    """The actor_id for a name or ID used in a coding sheet."""
    _, index, _ = load()
    if not isinstance(name, str) or not name.strip():
        raise PipelineError(file, line, f"actor name {name!r} is empty", "give the actor's name as the source writes it")
    actor_id = index.get(name.strip().casefold())
    if actor_id is None:
        close = difflib.get_close_matches(name.casefold(), list(index), n=5, cutoff=0.5)
        hint = f"closest known: {', '.join(close)}" if close else "no close match"
        raise PipelineError(file, line, f"unknown actor {name!r} ({hint})",
                            f"use a known alias, or add the actor or alias to {rel(REGISTRY)}")
    return actor_id
