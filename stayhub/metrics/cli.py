"""stayhub metrics: generate and check the metric tables, print the metric catalogue."""

from __future__ import annotations

import argparse
import json
import sys

from stayhub.metrics.catalogue import catalogue_rows, format_table
from stayhub.metrics.definitions import DefinitionError, load_definitions
from stayhub.metrics.generate import differences, write
from stayhub.metrics.plan import load_catalogue, plan_tables
from stayhub.project import PROJECT_ROOT

DESCRIPTION = """The global metrics framework. Analysts declare metrics (metrics:) and metric
tables (saved_queries:) in dbt's semantic-layer YAML under models/metrics/;
each saved query becomes the partitioned table mtr_<name>.

    stayhub metrics generate     # check the YAML, write models/metrics/tables/ (after every YAML change)
    stayhub metrics check        # fail when a generated file is missing or stale (the test suite runs it)
    stayhub metrics catalogue    # every metric: type, definition, owner, tables it lands in"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stayhub metrics", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("generate", help="check the semantic-layer YAML and write one model per saved query")
    commands.add_parser("check", help="exit 1 when a generated metric table file is missing, stale or left over")
    catalogue = commands.add_parser("catalogue", help="print every metric: type, definition, owner, the tables it lands in")
    catalogue.add_argument("--json", action="store_true", help="one JSON object per metric instead of a table")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "generate":
            changed = write(PROJECT_ROOT)
            for path in changed:
                print(f"wrote {path}")
            print(f"metric tables are current ({len(changed)} file(s) changed); build them with: stayhub build, or dbt build --select tag:metrics")
        elif args.command == "check":
            problems = differences(PROJECT_ROOT)
            if problems:
                print("Metric table files differ from the semantic-layer YAML; run: .venv/bin/stayhub metrics generate", file=sys.stderr)
                for problem in problems:
                    print(f"  {problem}", file=sys.stderr)
                return 1
            print("metric table files are current")
        else:
            catalogue = load_catalogue(load_definitions(PROJECT_ROOT))
            rows = catalogue_rows(catalogue, plan_tables(catalogue))
            if args.json:
                for row in rows:
                    print(json.dumps(row))
            else:
                print(format_table(rows, ("metric", "type", "definition", "owner", "tables")))
    except DefinitionError as error:
        print(f"Metric definitions: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
