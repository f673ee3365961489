"""The alias registry (annotations/actors.yaml): every actor once, with every name the
sources use for it. Names in coding sheets resolve here; an unknown name is an error that
lists the closest known aliases."""
import difflib
import re
import unicodedata
from functools import lru_cache

from . import schemas
from .files import PipelineError, check, line_of, read_yaml, rel, show
from .paths import REGISTRY


def _fail(line, problem, fix):
    raise PipelineError(rel(REGISTRY), line, problem, fix)


def key(name):
    """How names are compared: after Unicode NFKC normalization and case folding, so that two
    spellings a reader cannot tell apart (full-width letters, ligatures, case) are one name."""
    return unicodedata.normalize("NFKC", name).casefold().strip()


def _fields():
    """The registry's declaration: key -> (kind, required); see files.check."""
    enum = lambda column: (tuple(schemas.enum_values("actors", column)), True)
    return {"id": ("slug", True), "name": ("words", True), "type": enum("actor_type"), "alignment": enum("alignment"),
            "status": enum("status"), "country": ("text", False), "description": ("words", True),
            "aliases": ("list", False), "note": ("text", False)}


@lru_cache(maxsize=None)
def load():
    """(actors by id, alias index key(name) -> actor_id, alias rows in registry order)."""
    actors, index, aliases = {}, {}, []
    alias_fields = {"alias": ("words", True), "type": (tuple(schemas.enum_values("actor_aliases", "alias_type")), True)}
    fields, file = _fields(), rel(REGISTRY)
    for entry in check(read_yaml(REGISTRY) or {}, {"actors": ("list", True)}, file, "registry")["actors"]:
        entry = check(entry, fields, file, "actor entry", "id")
        actor_id = entry["id"]
        if actor_id in actors:
            _fail(entry.line_of("id"), f"actor {actor_id!r} is defined twice (first at line {actors[actor_id]['line']})",
                  "merge the two entries into one")
        actors[actor_id] = {"line": entry.line, **entry}
        listed = entry.get("aliases") or []
        names = [(entry.line_of("name"), {"alias": entry["name"], "type": "canonical"})]
        names += [(line_of(listed, i), {"alias": item, "type": "other"} if isinstance(item, str) else item) for i, item in enumerate(listed)]
        for line, item in names:
            item = check(item, alias_fields, file, "alias", line=line)
            name, k = item["alias"], key(item["alias"])
            if k in index and index[k] != actor_id:
                _fail(line, f"alias {show(name, 100)} names both {index[k]!r} and {actor_id!r} (compared after Unicode "
                      "normalization and case folding)", "keep it on one actor and use a fuller name for the other")
            if k in index:
                _fail(line, f"alias {show(name, 100)} is listed twice for {actor_id!r}", "remove the repeat")
            index[k] = actor_id
            aliases.append({"actor_id": actor_id, "alias": name, "alias_type": item["type"]})
        index.setdefault(key(actor_id), actor_id)
    return actors, index, aliases


def resolve(name, file, line):
    """The actor_id for a name or ID used in a coding sheet."""
    _, index, _ = load()
    if not isinstance(name, str) or not name.strip():
        raise PipelineError(file, line, f"actor name {show(name, 100)} is empty or not text", "give the actor's name as the source writes it")
    actor_id = index.get(key(name))
    if actor_id is None:
        close = difflib.get_close_matches(key(name)[:200], list(index), n=5, cutoff=0.5)
        hint = f"closest known: {', '.join(close)}" if close else "no close match"
        raise PipelineError(file, line, f"unknown actor {show(name, 100)} ({hint})",
                            f"use a known alias, or add the actor or alias to {rel(REGISTRY)}")
    return actor_id


def name_pattern(names):
    """A name as a whole word; case-insensitive except for all-capital acronyms (IS is not "is")."""
    parts = [("" if n.isupper() else "(?i:") + re.escape(n) + ("" if n.isupper() else ")")
             for n in sorted(names, key=len, reverse=True)]
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")
