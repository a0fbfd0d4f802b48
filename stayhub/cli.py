"""stayhub: the warehouse's one command-line tool.

    stayhub generate ...            write a sample landing zone
    stayhub build ...               the quick-start main job: land a sample, build the warehouse
    stayhub backfill run|list|resume ...
    stayhub ledger ...              missing and stale partitions, and why
    stayhub daily [--ds D]          the scheduled run: wait, build, publish, record, alert
    stayhub monitor                 freshness, deadlines, gaps, checks; send alerts
    stayhub status                  the HTML status page
    stayhub metrics generate|check|catalogue   metric tables from the semantic-layer YAML
    stayhub experiments report      HTML reports of the experiment results
    stayhub benchmark ...           timed scenarios

Each subcommand is a module's main(argv) -> int: everything after the
subcommand's name goes to that module's own parser, unchanged, so
`stayhub COMMAND --help` is that parser's help. A module is imported only
when its subcommand runs, so `stayhub --help` is quick.

A new subcommand is one line in COMMANDS.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass

PROG = "stayhub"
DESCRIPTION = """The stayhub warehouse's command-line tool: land a sample, build the warehouse,
backfill a range, list stale partitions, time benchmarks.

    stayhub build                                   # quick start: land a sample, build everything
    stayhub backfill run --stale                    # rebuild what the ledger lists
    stayhub COMMAND --help                          # a command and its flags

Every command reads --raw-root (default $WAREHOUSE_RAW_ROOT or data/raw) and
--duckdb-path (default $WAREHOUSE_DUCKDB_PATH or data/warehouse.duckdb) where
it needs them; dates are --ds, or --start-ds and --end-ds, YYYY-MM-DD."""


@dataclass(frozen=True)
class Command:
    name: str
    target: str  # "package.module:function", a main(argv: list[str] | None) -> int
    help: str

    def load(self) -> Callable[[list[str] | None], int]:
        module, _, function = self.target.partition(":")
        main: Callable[[list[str] | None], int] = getattr(importlib.import_module(module), function)
        return main


COMMANDS: tuple[Command, ...] = (
    Command("generate", "stayhub.generate:main", "write a sample landing zone, dirty data included, as the upstream contract lays it out"),
    Command("build", "stayhub.build:main", "the quick-start main job: land a sample unless one is there, build the whole warehouse, say what was built"),
    Command("backfill", "stayhub.backfill.__main__:main", "rebuild a range of ds away from production, check, compare and swap it in (run, list, resume)"),
    Command("ledger", "stayhub.ledger:main", "list the missing and stale partitions of every partitioned model, why, and the command that rebuilds them"),
    Command("metrics", "stayhub.metrics.cli:main", "generate and check the metric tables from the semantic-layer YAML, print the metric catalogue"),
    Command("experiments", "stayhub.experiments.cli:main", "the experimentation framework: write HTML reports of the experiment results (report)"),
    Command("daily", "stayhub.operations.daily:main", "the scheduled run: wait for a ds, build and publish it (or catch up), record it, alert"),
    Command("monitor", "stayhub.operations.monitor:main", "what is red (freshness, deadlines, gaps, checks, failed runs, experiments); send the alerts"),
    Command("status", "stayhub.operations.status:main", "write the status page: every partitioned model's last days, check failures, open alerts, last runs"),
    Command("benchmark", "stayhub.benchmark:main", "time named scenarios, each in its own process, and print them as a table"),
)


def build_parser() -> argparse.ArgumentParser:
    """The top level only: it lists the subcommands, and names a missing or unknown one."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"`{PROG} COMMAND --help` explains a command and its flags.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", required=True)
    for command in COMMANDS:
        # Its own parser reads the rest of the line (and answers its --help).
        commands.add_parser(command.name, help=command.help, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    commands = {command.name: command for command in COMMANDS}
    if args and args[0] in commands:
        return commands[args[0]].load()(args[1:])
    # No subcommand first: --help, or an error that names the missing or unknown command and the valid ones.
    build_parser().parse_args(args)
    return 2  # parse_args exited; a subcommand reaching here would be one not in COMMANDS


if __name__ == "__main__":
    sys.exit(main())
