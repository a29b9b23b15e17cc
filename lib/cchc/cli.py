"""python -m cchc {report, validate, batch, template, units}.

Exit status: 0 on success, 1 when the data or a run has problems (listed on
stderr), 2 on a wrong command line. An unexpected failure is one line on
stderr, not a traceback (CCHC_DEBUG=1 shows the traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cchc.dataset import DataError, Problem, problem_lines
from cchc.months import month_error

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
#: Set (to anything) to get the traceback of an unexpected failure instead of one line.
DEBUG_VARIABLE = "CCHC_DEBUG"


def _month(text: str) -> str:
    problem = month_error(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text.strip()


def _param(text: str) -> tuple[str, object]:
    from cchc.run import NOTEBOOK_PARAMETERS

    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    allowed = [p for p in NOTEBOOK_PARAMETERS if p not in ("month", "data_dir", "output_dir")]
    if name not in allowed:
        raise argparse.ArgumentTypeError(
            f"unknown parameter {name!r}; one of: {', '.join(allowed)} "
            "(month, data dir and output dir have their own options)"
        )
    return name, value.strip()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cchc", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    rep = sub.add_parser("report", help="write the month's report (HTML, PDF, outcomes.json, notebook)")
    rep.add_argument("--month", type=_month, help="reported month YYYY-MM (default: the latest in the data)")
    rep.add_argument("--data-dir", type=Path, default=Path("data"))
    rep.add_argument("--output-dir", type=Path, default=Path("output"))
    rep.add_argument("-p", "--parameter", dest="parameters", type=_param, action="append", default=[],
                     metavar="NAME=VALUE", help="override a notebook parameter (repeatable)")

    val = sub.add_parser("validate", help="check a month's data and list every problem")
    val.add_argument("--month", type=_month, help="month YYYY-MM (default: the latest in the data)")
    val.add_argument("--data-dir", type=Path, default=Path("data"))

    bat = sub.add_parser("batch", help="write the reports of several months and the index")
    bat.add_argument("--from", dest="start", type=_month, required=True)
    bat.add_argument("--to", dest="end", type=_month, required=True)
    bat.add_argument("--data-dir", type=Path, default=Path("data"))
    bat.add_argument("--output-dir", type=Path, default=Path("output"))
    bat.add_argument("-j", "--jobs", type=int, default=None, help="parallel processes (default: the number of cores)")
    bat.add_argument("-p", "--parameter", dest="parameters", type=_param, action="append", default=[],
                     metavar="NAME=VALUE")

    tpl = sub.add_parser("template", help="write a blank data-entry workbook for a month")
    tpl.add_argument("--month", type=_month, required=True)
    tpl.add_argument("--data-dir", type=Path, default=Path("data"))
    tpl.add_argument("--force", action="store_true", help="overwrite an existing workbook")

    uni = sub.add_parser("units", help="write units.csv with a province's communes, wards and special zones "
                                       "from the official list after July 2025")
    uni.add_argument("--province", required=True, help='the province\'s name, e.g. "An Giang" or "Thành phố Huế"')
    uni.add_argument("--data-dir", type=Path, default=Path("data"))
    uni.add_argument("--force", action="store_true", help="overwrite an existing units.csv")
    return parser


def print_problems(problems: list[Problem], out=None) -> None:
    out = out or sys.stderr
    for line in problem_lines(problems):
        print(line, file=out)


def _resolve_month(month: str | None, data_dir: Path) -> str:
    from cchc.load import latest_month

    if not Path(data_dir).is_dir():
        raise DataError([Problem("error", f"the data folder {data_dir} does not exist")])
    if month:
        return month
    found = latest_month(data_dir)
    if found is None:
        raise DataError([Problem("error", f"no month's file in {data_dir / 'raw'} (raw/YYYY-MM.xlsx, "
                                          "raw/766/YYYY-MM.xlsx or .csv, raw/hoso/YYYY-MM.csv, .xlsx or .parquet)",
                                 file="raw/")])
    return found


#: How `validate` names each source in its per-source summary.
SOURCE_NAMES = {"workbook": "workbook", "index766": "766 export", "dossiers": "dossier records"}


def source_summary(data_dir: Path, month: str, problems: list[Problem]) -> list[str]:
    """One line per source of the month: its file (or that there is none) and its problems."""
    from cchc.sources import SOURCES, list_sources, source_of_file

    listing, _ = list_sources(data_dir)
    files = {name: f"{SOURCES[name].folder}/{listing[name][month].name}" for name in SOURCES if month in listing[name]}
    lines = [f"Sources of {month}:"]
    for name, label in SOURCE_NAMES.items():
        if name not in files:
            lines.append(f"  {label:<16} no file ({SOURCES[name].pattern(month)})")
            continue
        mine = [p for p in problems if p.file == files[name]]
        errors = sum(p.is_error for p in mine)
        lines.append(f"  {label:<16} {files[name]}: {errors} error(s), {len(mine) - errors} warning(s)")
    history = [p for p in problems if source_of_file(p.file) and p.file not in files.values()]
    if history:
        errors = sum(p.is_error for p in history)
        lines.append(f"  {'earlier months':<16} {errors} error(s), {len(history) - errors} warning(s)")
    return lines


def cmd_validate(args) -> int:
    from cchc.load import validate

    month = _resolve_month(args.month, args.data_dir)
    problems = validate(args.data_dir, month)
    print_problems(problems, out=sys.stdout)
    for line in source_summary(args.data_dir, month, problems):
        print(line)
    return EXIT_PROBLEMS if any(p.is_error for p in problems) else EXIT_OK


def cmd_report(args) -> int:
    from cchc.load import load_dataset
    from cchc.params import resolve_parameters
    from cchc.run import run_report

    month = _resolve_month(args.month, args.data_dir)
    ds = load_dataset(args.data_dir, month)  # DataError: nothing is written
    overrides = dict(args.parameters)
    try:
        resolve_parameters(ds.config, month, **overrides)
    except ValueError as exc:  # a parameter out of range: nothing is written
        print(f"ERROR   {exc}", file=sys.stderr)
        return EXIT_USAGE
    for w in ds.warnings:
        print(f"WARNING {w}", file=sys.stderr)
    final = run_report(month, args.data_dir, args.output_dir, overrides)
    print(f"Wrote {final}/: " + ", ".join(sorted(p.name for p in final.iterdir() if p.is_file())))
    return EXIT_OK


def cmd_batch(args) -> int:
    from cchc.batch import run_batch

    return run_batch(args.start, args.end, args.data_dir, args.output_dir, dict(args.parameters), jobs=args.jobs)


def cmd_template(args) -> int:
    from cchc.template import write_template

    try:
        path = write_template(args.data_dir, args.month, force=args.force)
    except FileExistsError as exc:
        print(f"ERROR   {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"Wrote {path}")
    return EXIT_OK


def cmd_units(args) -> int:
    from cchc.provinces import UnknownProvince, list_version, write_local_units

    try:
        path, summary = write_local_units(args.data_dir, args.province, force=args.force)
    except (FileExistsError, UnknownProvince) as exc:
        print(f"ERROR   {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    c = summary["counts"]
    print(f"Wrote {path}: {summary['total']} local units of {summary['province']} ({c['commune']} commune(s), "
          f"{c['ward']} ward(s), {c['special_zone']} special zone(s)) from the official list "
          f"(vietnam-provinces {list_version()}).")
    print("The departments are not in the official list: add each sở, ban, ngành as a row "
          "code,name,department (full name as printed, e.g. Sở Tư pháp) above the local units, "
          "and the units' portal codes (MA_COQUAN) in the dvc_code column.")
    return EXIT_OK


COMMANDS = {"report": cmd_report, "validate": cmd_validate, "batch": cmd_batch, "template": cmd_template,
            "units": cmd_units}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except DataError as exc:
        print_problems(exc.problems)
        if args.command != "validate":
            print("Nothing was written.", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("Interrupted: nothing was written.", file=sys.stderr)
        return 130
    except Exception as exc:  # the run itself failed: say where, no traceback
        from cchc.run import RunError

        if isinstance(exc, (RunError, OSError)):
            print(f"ERROR   {exc}", file=sys.stderr)
            return EXIT_PROBLEMS
        if os.environ.get(DEBUG_VARIABLE):
            raise
        print(f"ERROR   unexpected failure: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"        This is a fault of the program, not of your data. "
              f"Please report it with the command you ran; {DEBUG_VARIABLE}=1 shows the details.", file=sys.stderr)
        return EXIT_PROBLEMS


def run() -> None:
    """The command's entry point (`python -m cchc`, `cchc`). Tests call main()."""
    sys.exit(main())
