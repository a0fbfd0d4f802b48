"""stayhub experiments: the experimentation framework's commands (report; each a subparser and a function)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb

from stayhub.warehouse import DEFAULT_DUCKDB_PATH, duckdb_path_from_env

DESCRIPTION = """The experimentation framework. The experiment models (schema experiments) hold each
experiment's definitions, daily results, exposure accounting and alerts.

    stayhub experiments report                        # one HTML page per experiment, and an index
    stayhub experiments report --experiment KEY --ds 2024-03-10 --out reports/"""

DEFAULT_OUT = Path("target/experiment_reports")


class CommandError(Exception):
    """A command cannot run; its message says what to do."""


def _ds(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"must be a date written YYYY-MM-DD, got '{value}'") from error
    return value


def _add_duckdb_path(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--duckdb-path", type=Path, default=duckdb_path_from_env(), help=f"warehouse file (default: $WAREHOUSE_DUCKDB_PATH or {DEFAULT_DUCKDB_PATH})"
    )


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only; a CommandError when there is none."""
    if not path.exists():
        raise CommandError(f"no warehouse at {path}: build it first (stayhub build, or dbt build), or name it with --duckdb-path")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        raise CommandError(f"cannot open the warehouse {path}: {error}") from error


def run_report(args: argparse.Namespace) -> int:
    """Writes the report pages and prints their paths."""
    from stayhub.experiments.report import ReportError, write_reports

    with _connect(args.duckdb_path) as con:
        try:
            paths = write_reports(con, args.out, experiment=args.experiment, ds=args.ds)
        except ReportError as error:
            raise CommandError(str(error)) from error
    for path in paths:
        print(f"wrote {path}")
    return 0


def _add_report(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser("report", help="write one self-contained HTML page per experiment (tables, charts), and an index")
    report.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder for the pages (default: {DEFAULT_OUT})")
    report.add_argument("--experiment", metavar="KEY", help="only this experiment (default: every one)")
    report.add_argument("--ds", type=_ds, help="results as of this YYYY-MM-DD (default: each experiment's latest)")
    _add_duckdb_path(report)
    report.set_defaults(run=run_report)


# A new subcommand: a function adding its subparser (set_defaults(run=...)), listed here.
SUBCOMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (_add_report,)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stayhub experiments", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in SUBCOMMANDS:
        add(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except CommandError as error:
        print(f"stayhub experiments {args.command}: error: {error}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
