"""Benchmarks: named scenarios, each timed in its own process, printed as a table.

    python -m scripts.benchmark                      # every scenario
    python -m scripts.benchmark generate_default     # some of them
    python -m scripts.benchmark --list
    python -m scripts.benchmark --write docs/benchmarks.md

Each scenario has an untimed setup and a timed run, both in child processes;
wall time and peak memory (the largest resident set of any process of the
run, dbt's included) are those of the run alone. Scenarios share a work
folder (--workdir, default a temporary one), so a build reuses the sample.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import duckdb

from scripts import generate_landing_zone
from scripts.warehouse import PROJECT_ROOT, dbt_vars, landed_range, run_dbt


@dataclass(frozen=True)
class Scenario:
    description: str
    run: Callable[[Path], int]  # returns the rows it produced or processed
    setup: Callable[[Path], None] = lambda workdir: None


SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str, description: str, setup: Callable[[Path], None] | None = None):
    def register(run: Callable[[Path], int]):
        SCENARIOS[name] = Scenario(description, run, setup or (lambda workdir: None))
        return run

    return register


def default_sample(workdir: Path) -> Path:
    return workdir / "default" / "raw"


def ensure_default_sample(workdir: Path) -> None:
    if not (default_sample(workdir) / "events").exists():
        generate_landing_zone.generate(default_sample(workdir), overwrite=True)


def staging_rows(duckdb_path: Path) -> int:
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        tables = connection.sql(
            "select table_name from information_schema.tables where table_schema = 'staging' and table_type = 'BASE TABLE'"
        ).fetchall()
        return sum(connection.sql(f"select count(*) from staging.{name}").fetchone()[0] for (name,) in tables)


@scenario("generate_default", "generate the default sample landing zone (60 days, all sources)")
def run_generate_default(workdir: Path) -> int:
    summary = generate_landing_zone.generate(default_sample(workdir), overwrite=True)
    return sum(partition["lines"] for source, per_ds in summary.items() if source != "injected" for partition in per_ds.values())


@scenario("full_build_default", "dbt seed + dbt build of the default sample, all days in one range run", setup=ensure_default_sample)
def run_full_build_default(workdir: Path) -> int:
    raw_root = default_sample(workdir)
    duckdb_path = workdir / "default" / "full_build.duckdb"
    duckdb_path.unlink(missing_ok=True)
    start_ds, end_ds = landed_range(raw_root)
    target = workdir / "default" / "target"
    run_dbt(["seed"], raw_root, duckdb_path, target_path=target)
    run_dbt(["build", "--vars", dbt_vars(start_ds=start_ds, end_ds=end_ds)], raw_root, duckdb_path, target_path=target)
    return staging_rows(duckdb_path)


def run_in_child(phase: str, name: str, workdir: Path) -> dict:
    """Runs one phase of a scenario in a child process; returns its wall time, peak memory and rows."""
    result_file = workdir / f".{name}.{phase}.json"
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "scripts.benchmark", "--child", phase, name, "--workdir", str(workdir), "--result-file", str(result_file)],
        cwd=PROJECT_ROOT,
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark scenario {name} ({phase}) failed")
    rows = json.loads(result_file.read_text())["rows"] if result_file.exists() else 0
    # On Linux ru_maxrss is in KiB and covers the child and the descendants it waited for.
    return {"seconds": elapsed, "peak_mib": usage.ru_maxrss / 1024, "rows": rows}


def format_table(results: dict[str, dict]) -> str:
    lines = [
        "| scenario | wall time (s) | peak memory (MiB) | rows | what it does |",
        "|---|---:|---:|---:|---|",
    ]
    for name, result in results.items():
        lines.append(
            f"| {name} | {result['seconds']:.1f} | {result['peak_mib']:.0f} | {result['rows']:,} | {SCENARIOS[name].description} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", help="scenario names (default: all)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--workdir", type=Path, help="work folder shared by the scenarios (default: a temporary one)")
    parser.add_argument("--write", type=Path, help="also write the table to this Markdown file")
    parser.add_argument("--child", nargs=2, metavar=("PHASE", "NAME"), help=argparse.SUPPRESS)
    parser.add_argument("--result-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.list:
        for name, item in SCENARIOS.items():
            print(f"{name:<24} {item.description}")
        return 0
    if args.child:
        phase, name = args.child
        rows = SCENARIOS[name].setup(args.workdir) if phase == "setup" else SCENARIOS[name].run(args.workdir)
        args.result_file.write_text(json.dumps({"rows": rows or 0}))
        return 0

    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; --list shows them")
    names = args.scenarios or list(SCENARIOS)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="warehouse-benchmark-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in names:
        print(f"-- {name}: setting up", flush=True)
        run_in_child("setup", name, workdir)
        print(f"-- {name}: running", flush=True)
        results[name] = run_in_child("run", name, workdir)
    table = format_table(results)
    print()
    print(table)
    if args.write:
        header = (
            f"# Benchmarks\n\nMeasured {date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, with `python -m scripts.benchmark --write {args.write}`.\n\n"
        )
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(header + table + "\n")
        print(f"\nwritten to {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
