"""stayhub experiments: the experimentation framework's commands (report; each a subparser and a function)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb

from stayhub.warehouse import DEFAULT_DUCKDB_PATH, duckdb_path_from_env

DESCRIPTION = """The experimentation framework. Analysts declare experiments in experiments/*.yml;
the experiment models (schema experiments) hold each experiment's definitions,
daily results, exposure accounting and alerts.

    stayhub experiments generate                      # check experiments/*.yml, write models/experiments/generated/
    stayhub experiments check                         # fail when a generated model is missing or stale
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


def run_generate(args: argparse.Namespace) -> int:
    """Checks the experiments' YAML and writes the generated models."""
    from stayhub.experiments.generate import write

    for path in _definitions(write):
        print(f"wrote {path}")
    print("experiment models are current; build them with: stayhub build, or dbt build --select tag:experiments")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Exit 1 when a generated model differs from what the YAML says."""
    from stayhub.experiments.generate import differences

    problems = _definitions(differences)
    if problems:
        print("Experiment models differ from experiments/*.yml; run: .venv/bin/stayhub experiments generate", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("experiment models are current")
    return 0


def _definitions(action: Callable[[Path], list]) -> list:
    from stayhub.metrics.definitions import DefinitionError
    from stayhub.project import PROJECT_ROOT

    try:
        return action(PROJECT_ROOT)
    except DefinitionError as error:
        raise CommandError(f"experiment definitions: {error}") from error


def _add_generate(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("generate", help="check experiments/*.yml and write models/experiments/generated/").set_defaults(run=run_generate)
    commands.add_parser("check", help="exit 1 when a generated experiment model is missing, stale or left over").set_defaults(run=run_check)


def _add_report(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser("report", help="write one self-contained HTML page per experiment (tables, charts), and an index")
    report.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder for the pages (default: {DEFAULT_OUT})")
    report.add_argument("--experiment", metavar="KEY", help="only this experiment (default: every one)")
    report.add_argument("--ds", type=_ds, help="results as of this YYYY-MM-DD (default: each experiment's latest)")
    _add_duckdb_path(report)
    report.set_defaults(run=run_report)


# A new subcommand: a function adding its subparser (set_defaults(run=...)), listed here.
SUBCOMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (_add_generate, _add_report)


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
