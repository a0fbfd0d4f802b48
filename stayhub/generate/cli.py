"""The command line: parse_args() and main(argv), which runs generate() and prints a
summary table of what was written (`stayhub generate`, `python -m stayhub.generate`)."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from .assignments import describe_experiment_effects, parse_experiment_effects
from .contract import (
    DEFAULT_DAYS,
    DEFAULT_DIRTY_RATE,
    DEFAULT_EVENTS_PER_DAY,
    DEFAULT_IN_PROGRESS_DAYS,
    DEFAULT_LISTINGS,
    DEFAULT_PARTS_PER_PARTITION,
    DEFAULT_RAW_ROOT,
    DEFAULT_SEED,
    DEFAULT_START_DS,
    DEFAULT_USERS,
    SOURCES,
)
from .files import DS_PATTERN
from .world import generate


def _summary_table(summary: dict, raw_root: str | Path, seconds: float) -> str:
    """Partitions, lines and bytes written per source, as printed after a run."""
    header = f"{'source':<12} {'partitions':>10} {'complete':>9} {'empty':>6} {'in progress':>12} {'lines':>12} {'bytes':>14}"
    rows = [header, "-" * len(header)]
    totals = [0, 0, 0, 0, 0, 0]
    for source in SOURCES:
        per_ds = summary[source]
        values = [
            len(per_ds),
            sum(1 for info in per_ds.values() if info["complete"]),
            sum(1 for info in per_ds.values() if info["complete"] and info["lines"] == 0),
            sum(1 for info in per_ds.values() if not info["complete"]),
            sum(info["lines"] for info in per_ds.values()),
            sum(path.stat().st_size for path in (Path(raw_root) / source).glob("ds=*/*.jsonl.gz")),
        ]
        totals = [total + value for total, value in zip(totals, values, strict=True)]
        rows.append(f"{source:<12} {values[0]:>10,} {values[1]:>9,} {values[2]:>6,} {values[3]:>12,} {values[4]:>12,} {values[5]:>14,}")
    rows.append("-" * len(header))
    rows.append(f"{'total':<12} {totals[0]:>10,} {totals[1]:>9,} {totals[2]:>6,} {totals[3]:>12,} {totals[4]:>12,} {totals[5]:>14,}")
    rows.append(f"Wrote {raw_root} in {seconds:.1f} s.")
    return "\n".join(rows)


def _empty_partition_arg(value: str) -> tuple[str, str] | None:
    if value.strip().lower() == "none":
        return None
    source, sep, ds = value.partition("=")
    if not sep or source not in SOURCES or not DS_PATTERN.match(ds):
        raise argparse.ArgumentTypeError(f"expected SOURCE=YYYY-MM-DD with SOURCE one of {', '.join(SOURCES)}, or none: {value!r}")
    return source, ds


def parse_args(argv: list[str] | None = None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    parser = argparse.ArgumentParser(
        prog="stayhub generate",
        description="Write a sample landing zone (events, bookings, listings, users, assignments) with dirty data, as the upstream contract lays it out.",
    )
    parser.add_argument(
        "--raw-root",
        type=Path,
        default=Path(os.environ.get("WAREHOUSE_RAW_ROOT") or DEFAULT_RAW_ROOT),
        help=f"landing zone root (default: $WAREHOUSE_RAW_ROOT, else {DEFAULT_RAW_ROOT})",
    )
    parser.add_argument("--start-ds", default=DEFAULT_START_DS, help="first ds, YYYY-MM-DD (default %(default)s)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="complete partitions per source (default %(default)s)")
    parser.add_argument("--users", type=int, default=DEFAULT_USERS, help="users existing after 60 days (default %(default)s)")
    parser.add_argument("--listings", type=int, default=DEFAULT_LISTINGS, help="listings existing after 60 days (default %(default)s)")
    parser.add_argument("--events-per-day", type=int, default=DEFAULT_EVENTS_PER_DAY, help="clean events per day, about (default %(default)s)")
    parser.add_argument("--dirty-rate", type=float, default=DEFAULT_DIRTY_RATE, help="rate of each dirty kind where it applies (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    parser.add_argument(
        "--in-progress-days",
        type=int,
        default=DEFAULT_IN_PROGRESS_DAYS,
        help="events partitions after the last complete day, written without _SUCCESS (default %(default)s)",
    )
    parser.add_argument(
        "--empty-partition",
        action="append",
        type=_empty_partition_arg,
        metavar="SOURCE=YYYY-MM-DD",
        help="write this partition with _SUCCESS only (repeatable; default assignments at start-ds + days // 2; 'none' for no empty partition)",
    )
    parser.add_argument(
        "--parts-per-partition", type=int, default=DEFAULT_PARTS_PER_PARTITION, help="part files per events partition (default %(default)s; other sources one)"
    )
    parser.add_argument(
        "--experiment-effect",
        action="append",
        default=[],
        metavar="KEY:VARIANT=LIFT",
        help=(
            "inject a known effect (repeatable), e.g. search_ranking_v2:treatment=0.3: from the day after a user's first exposure to"
            " experiment KEY, the logged-in visits of users in VARIANT (not control) view (1 + LIFT) times as many pages"
            " (page_view events), LIFT > -1; without it experiments change nothing"
        ),
    )
    parser.add_argument("--overwrite", action="store_true", help="remove the source folders under --raw-root first")
    return parser, parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    parser, args = parse_args(argv)
    if args.empty_partition is None:
        empty = None
    else:
        empty = [value for value in args.empty_partition if value is not None]
    started = time.monotonic()
    try:
        summary = generate(
            args.raw_root,
            start_ds=args.start_ds,
            days=args.days,
            users=args.users,
            listings=args.listings,
            events_per_day=args.events_per_day,
            dirty_rate=args.dirty_rate,
            seed=args.seed,
            in_progress_days=args.in_progress_days,
            empty_partitions=empty,
            parts_per_partition=args.parts_per_partition,
            overwrite=args.overwrite,
            experiment_effects=args.experiment_effect,
        )
    except (ValueError, FileExistsError) as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    print(_summary_table(summary, args.raw_root, time.monotonic() - started))
    print(f"Experiment effects injected: {describe_experiment_effects(parse_experiment_effects(args.experiment_effect))}.")
    return 0
