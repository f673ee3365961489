"""Command line: `python -m pipeline <stage> [source_id]`. Each stage reads and writes files
under .work/ so that Make rebuilds only what an input change affects, and logs to
stderr one line of what it did and how long it took (`-v` or AQ_LOG=debug for more)."""
import argparse
import importlib
import logging
import os
import sys
import time

from .files import PipelineError, os_error

STAGES = {
    "deps": "write .work/deps.mk for make: each stage's module and the pipeline modules it imports",
    "check": "check the manifest, actors registry, boilerplate rules and pyproject.toml once; list the sources for make",
    "ingest": "check a raw file against the manifest and segment it (needs SOURCE)",
    "code": "read a coding sheet, locate quotes, normalize values (needs SOURCE)",
    "places": "resolve annotations/places.yaml against the GeoNames packages (coordinates, codes, precision)",
    "link": "merge the coded sheets into tables",
    "reliability": "compare the blind sheets of the reliability study with the main ones; writes reliability.json",
    "package": "write every table as CSV and Parquet with datapackage.json, staged for validation",
    "validate": "Table Schema checks + Great Expectations on the staged package; writes quality.json",
    "sqlite": "write the validated package as aq-is-conflict.sqlite with datasette metadata",
    "site": "write the offline HTML site (charts, tables, evidence) of the validated package",
    "docs": "write the codebook and the datasheet (Markdown and HTML) of the validated package",
    "promote": "publish the validated package: swap a staged copy into build/ atomically",
    "release": "zip build/ into dist/ with its sha256 and release notes; tag v<version>",
    "reproduce": "rebuild a recorded release from the commit releases/<VERSION>.json names and check its zip's sha256 (needs VERSION)",
    "diff": "row and schema diff of build/ against FROM, a git ref or release zip (needs FROM as SOURCE)",
    "candidates": "print a draft coding sheet of the flagged sentences not yet covered (needs SOURCE)",
}

class StageFormatter(logging.Formatter):
    """`<stage>: <message> (<seconds since the stage started> s)`: the last line a stage logs says
    how long it took."""

    def __init__(self, label, started):
        super().__init__()
        self.label, self.started = label, started

    def format(self, record):
        return f"{self.label}: {record.getMessage()} ({record.created - self.started:.2f} s)"


def setup_logging(label, verbose):
    """Log the pipeline's modules (not third-party libraries) to stderr: INFO by default, DEBUG
    with -v; AQ_LOG=<level> (debug, info, warning) overrides."""
    level = os.environ.get("AQ_LOG", "debug" if verbose else "info").upper()
    if not isinstance(logging.getLevelName(level), int):
        raise PipelineError("AQ_LOG", 0, f"unknown log level {level.lower()!r}", "use debug, info or warning")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(StageFormatter(label, time.time()))
    logger = logging.getLogger("pipeline")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pipeline", description="Build the aq-is-conflict data package.",
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="stages:\n" + "\n".join(f"  {k:{max(map(len, STAGES))}}  {v}" for k, v in STAGES.items())
                                     + "\n\nEach stage logs what it did and how long it took to stderr; AQ_LOG=debug is -v.")
    parser.add_argument("stage", choices=list(STAGES), metavar="stage", help="one of the stages below")
    parser.add_argument("source", nargs="*", help="source_id(s) for ingest and code (several in one process: no start-up cost "
                        "per source), one for candidates; FROM for diff")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step of a stage, not only its summary")
    args = parser.parse_args(argv)
    try:
        label = " ".join([args.stage] + args.source[:3] + ([f"(+{len(args.source) - 3} more)"] if len(args.source) > 3 else []))
        setup_logging(label, args.verbose)
        if args.stage in ("ingest", "code", "candidates", "diff", "reproduce") and not args.source:
            parser.error({"diff": "diff needs FROM: a git ref or a release zip", "reproduce": "reproduce needs VERSION"}.get(
                args.stage, f"{args.stage} needs a source_id"))
        if len(args.source) > 1 and args.stage not in ("ingest", "code"):
            parser.error(f"{args.stage} takes one argument")
        if args.stage in ("ingest", "code"):
            run = getattr(importlib.import_module(f".{args.stage}", __package__), args.stage)
            for source in args.source:
                run(source)
        elif args.stage == "candidates":
            from .candidates import draft
            print(draft(args.source[0]), end="")
        elif args.stage == "diff":
            from .diff import diff
            diff(args.source[0])
        elif args.stage == "reproduce":
            from .release import reproduce
            reproduce(args.source[0])
        else:  # the stages without arguments: module pipeline/<module>.py, function <stage>
            getattr(importlib.import_module(f".{args.stage}", __package__), args.stage)()
    except PipelineError as e:
        sys.stderr.write(f"error: {e}\n")  # one write: a parallel stage's log cannot land inside the line
        return 1
    except OSError as e:  # the machine, not the inputs: a full disk, a path not writable
        sys.stderr.write(f"error: {os_error(e)}\n")
        return 1
    return 0


if __name__ == "__main__":
    code = main()
    # The stage's files are written and closed: leave without the interpreter's teardown, where a
    # native thread pool still alive (Arrow's) now and then aborts a stage that succeeded with
    # "terminate called without an active exception" (apache/arrow#34314; seen in validate).
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
