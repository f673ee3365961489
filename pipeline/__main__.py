"""Command line: `python -m pipeline <stage> [source_id]`. Each stage reads and writes files
under build/work/ so that Make rebuilds only what an input change affects."""
import argparse
import sys
import time

from .files import PipelineError

STAGES = {
    "ingest": "check a raw file against the manifest and segment it (needs SOURCE)",
    "code": "read a coding sheet, locate quotes, normalize values (needs SOURCE)",
    "link": "merge the coded sheets into tables",
    "package": "write CSV, Parquet and datapackage.json into build/work/package/",
    "validate": "Frictionless + Great Expectations on the staged package; writes quality.json",
    "promote": "move the validated package into build/",
    "release": "zip build/ into dist/ with its sha256 and release notes; tag v<version>",
    "diff": "row and schema diff of build/ against FROM, a git ref or release zip (needs FROM as SOURCE)",
    "candidates": "print a draft coding sheet of the flagged sentences not yet covered (needs SOURCE)",
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pipeline", description="Build the aq-is-conflict data package.",
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="stages:\n" + "\n".join(f"  {k:9} {v}" for k, v in STAGES.items()))
    parser.add_argument("stage", choices=list(STAGES))
    parser.add_argument("source", nargs="*", help="source_id(s) for ingest and code (several in one process: no start-up cost per source)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        if args.stage in ("ingest", "code", "candidates", "diff") and not args.source:
            parser.error(f"{args.stage} needs a source_id" if args.stage != "diff" else "diff needs FROM: a git ref or a release zip")
        if len(args.source) > 1 and args.stage not in ("ingest", "code"):
            parser.error(f"{args.stage} takes one argument")
        if args.stage == "ingest":
            from .ingest import ingest
            for source in args.source:
                ingest(source)
        elif args.stage == "code":
            from .code import code
            for source in args.source:
                code(source)
        elif args.stage == "link":
            from .link import link
            link()
        elif args.stage == "package":
            from .publish import package
            package()
        elif args.stage == "validate":
            from .validate import validate
            validate()
        elif args.stage == "candidates":
            from .candidates import draft
            print(draft(args.source[0]), end="")
            return 0
        elif args.stage == "diff":
            from .diff import diff
            diff(args.source[0])
        elif args.stage == "release":
            from .release import release
            release()
        elif args.stage == "promote":
            from .publish import promote
            promote()
    except PipelineError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    label = " ".join([args.stage] + args.source[:3] + ([f"(+{len(args.source) - 3} more)"] if len(args.source) > 3 else []))
    print(f"{label}: done in {time.perf_counter() - started:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
