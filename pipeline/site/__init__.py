"""Stage site: a browsable, offline HTML site of the validated package (WORK/site/).

People look before they read: an overview, a timeline, a map, the network of pledges and
relations, the casualty ranges, the conflicts and dyads, a searchable table per contract table,
and for any row its quotes highlighted in the source text. One module per chart draws its SVG at
build time (layout numbers in layout.py); the page is a base template with one partial per view
(pipeline/site_assets/); the rows and the texts of the openly licensed (`full`) sources travel in
data files loaded when needed (data.py). Everything shown is read from WORK/package and
WORK/quality.json; the output is a function of them and the raw files only, so rebuilds are
byte-identical."""
import sys
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..files import check_recorded, read_json, rel, write_folder
from ..paths import SITE
from .casualties import casualties
from .conflicts import conflicts
from .data import MAX_CONTEXT, PAGE_ROWS, context_span, data_files, script_json, utf16_offsets  # noqa: F401
from .event_map import event_map
from .network import NETWORK_RELATIONS, network
from .overview import overview
from .read import PACKAGE, conflict_names, documents, load
from .svg import el  # noqa: F401
from .timeline import timeline

OUT = SITE
ASSETS = Path(__file__).parent.parent / "site_assets"
STATIC_ASSETS = ("site.css", "site.js")
# the page's views in order: each is site_assets/view_<name>.html.j2, given what its chart module returns
VIEWS = ("overview", "timeline", "map", "network", "casualties", "conflicts", "tables")


def render():
    """{relative path: bytes} of the whole site."""
    descriptor, resources, tables, quality = load()
    texts = documents(tables["sources"], tables["evidence"])
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ASSETS), autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    context = {
        "package": descriptor, "quality": quality, "tables": tables, "resources": resources, "views": VIEWS, "page_rows": PAGE_ROWS,
        "overview": overview(resources, tables, quality), "timeline": timeline(resources, tables["events"], conflict_names(tables)),
        "conflicts": conflicts(tables), "map": event_map(tables),
        "network": network(resources, tables), "casualties": casualties(resources, tables),
        "network_relations": NETWORK_RELATIONS,
        "json_ld": Markup(script_json(read_json(PACKAGE / "croissant.json"))),
    }
    files = {"index.html": env.get_template("index.html.j2").render(**context).encode("utf-8")}
    for name in STATIC_ASSETS:
        files[name] = (ASSETS / name).read_bytes()
    files.update(data_files(resources, tables, texts))
    return files


def site():
    check_recorded("package", "validate")  # the package and report as validated, not altered since
    files = render()
    write_folder("site", OUT, files)
    size = sum(len(d) for d in files.values())
    print(f"site: wrote {len(files)} files ({size / 1024:.0f} KiB) to {rel(OUT)}/", file=sys.stderr, flush=True)
