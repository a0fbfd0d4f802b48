"""Backfill runner: rebuild a range of ds for a dbt selection, in chunks, away
from production, check it, compare it with production, then swap it in.

    stayhub backfill run --select fct_page_views+ --start-ds 2025-01-01 --end-ds 2025-01-31 \\
        [--days-per-chunk 7] [--parallelism 2] [--dry-run] [--no-swap] [--vars '{lookback_days: 3}']
    stayhub backfill run --stale [--select ...] [--start-ds ... --end-ds ...] [--dry-run]
    stayhub backfill resume [BACKFILL_ID] [--no-swap] [--rebuild]
    stayhub backfill list

On Spark (WAREHOUSE_TARGET=spark, the warehouse in $WAREHOUSE_SPARK_DIR) the
same commands build in bf_<id>_<schema> schemas of production's catalog
instead of a copy of the database file (stayhub/backfill/engines.py).

`run --stale` rebuilds exactly the partitions the partition ledger lists as
missing, built by an older definition of their model, or built on input
partitions republished since (stayhub ledger lists them and why). A
killed backfill resumes with `resume`, with its original selection, dates and
vars, from the first chunk not done. A backfill refuses to swap over partitions
production republished after its build started; `resume --rebuild` builds the
same job again from a new copy of production.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import yaml

from stayhub.backfill import publish
from stayhub.backfill.engines import DuckDBWarehouse, SparkWarehouse, warehouse_from_env
from stayhub.backfill.plan import MAX_AUTO_CHUNK_DAYS, Plan, build_plan, describe, select_models
from stayhub.backfill.runner import Runner
from stayhub.backfill.state import BackfillState, backfills_root
from stayhub.project import lookback_days_default
from stayhub.warehouse import DEFAULT_RAW_ROOT, ds_range, ds_shift, duckdb_path_from_env, landed_partitions, landed_range, raw_root_from_env


def iso_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return int(text)


def job_vars(text: str | None) -> dict:
    if not text:
        return {}
    value = yaml.safe_load(text)
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"--vars must be a YAML/JSON mapping, got {text!r}")
    clash = sorted({"ds", "start_ds", "end_ds"} & set(value))
    if clash:
        raise argparse.ArgumentTypeError(f"--vars must not set {', '.join(clash)}: pass --start-ds and --end-ds")
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in value.items()}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="stayhub backfill", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--raw-root", type=Path, default=raw_root_from_env(), help=f"landing zone (default: $WAREHOUSE_RAW_ROOT or {DEFAULT_RAW_ROOT})")
    common.add_argument(
        "--duckdb-path", type=Path, default=duckdb_path_from_env(), help="production warehouse (default: $WAREHOUSE_DUCKDB_PATH or data/warehouse.duckdb)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", parents=[common], help="plan and run a new backfill", description="Plan and run a new backfill.")
    run.add_argument("--select", help="dbt selection of the job, e.g. 'fct_page_views+' (default with --stale: every model)")
    run.add_argument("--selector", help="a YAML selector of selectors.yml as the job, instead of --select")
    run.add_argument("--start-ds", type=iso_date, help="first ds, YYYY-MM-DD")
    run.add_argument("--end-ds", type=iso_date, help="last ds, YYYY-MM-DD (inclusive)")
    run.add_argument(
        "--days-per-chunk",
        type=positive,
        help=f"days per chunk, each one dbt run of the whole job (default: the range, in equal chunks of at most {MAX_AUTO_CHUNK_DAYS} days)",
    )
    run.add_argument("--parallelism", type=positive, help="models dbt builds at once within a chunk, its --threads (default 2; on Spark always 1)")
    run.add_argument("--vars", type=job_vars, default={}, help="more dbt vars for every chunk, e.g. '{lookback_days: 3}'")
    run.add_argument("--stale", action="store_true", help="rebuild exactly the partitions the ledger lists as missing or stale")
    run.add_argument("--dry-run", action="store_true", help="explain what the backfill would touch and stop")
    run.add_argument("--no-swap", action="store_true", help="stop after the checks and the comparison; `resume` swaps")

    resume = commands.add_parser(
        "resume", parents=[common], help="go on with a killed, failed or unswapped backfill", description="Go on with a killed, failed or unswapped backfill."
    )
    resume.add_argument("backfill_id", nargs="?", help="default: the latest backfill not swapped")
    resume.add_argument("--no-swap", action="store_true", help="stop after the checks and the comparison")
    resume.add_argument(
        "--rebuild", action="store_true", help="drop the build and build the same job again from a new copy of production (after production moved)"
    )

    commands.add_parser(
        "list", parents=[common], help="every backfill of this warehouse and its state", description="Every backfill of this warehouse and its state."
    )
    args = parser.parse_args(argv)
    if args.command == "run":
        if args.select and args.selector:
            parser.error("pass --select or --selector, not both")
        if args.selector:
            args.select = f"selector:{args.selector}"
        if not args.stale and not (args.select and args.start_ds and args.end_ds):
            parser.error("run needs --select (or --selector), --start-ds and --end-ds, or --stale")
        if (args.start_ds is None) != (args.end_ds is None):
            parser.error("--start-ds and --end-ds go together")
        if args.start_ds and args.start_ds > args.end_ds:
            parser.error(f"--start-ds {args.start_ds} is after --end-ds {args.end_ds}")
    return args


def stale_job(
    args: argparse.Namespace, warehouse: DuckDBWarehouse | SparkWarehouse, target: Path
) -> tuple[str, str, str, dict[str, list[str]], set[str], dict] | None:
    """For --stale: the selection, range and exact partitions to rebuild, from the ledger
    (with the selected unique_ids and dbt's manifest).

    A model that rewrites late partitions rebuilds the lookback_days partitions
    before the range with it, so its stale partitions there are rebuilt too:
    left stale, every partition built on them would stay stale.
    """
    from stayhub.ledger import partition_status

    landed_first, landed_last = landed_range(args.raw_root)
    start_ds, end_ds = (args.start_ds, args.end_ds) if args.start_ds else (landed_first, landed_last)
    # No run can start before every source has landed.
    floor = max(start_ds, landed_first)
    selected, manifest = select_models(args.select or "fqn:*", args.vars, args.raw_root, warehouse.catalog_path, target)
    nodes = manifest["nodes"]
    partitioned = {nodes[uid]["name"]: uid for uid in selected if nodes[uid]["config"]["materialized"] == "partitioned"}
    lookback_days = int(args.vars.get("lookback_days", lookback_days_default()))
    lookback = {name: lookback_days if (nodes[uid]["config"].get("meta") or {}).get("rewrites_late_partitions") else 0 for name, uid in partitioned.items()}
    fingerprints = warehouse.fingerprints(args.raw_root, target)
    publish_days: dict[str, list[str]] = {}
    statuses = partition_status(warehouse.reads(), fingerprints, ds_shift(floor, -max(lookback.values(), default=0)), end_ds, models=sorted(partitioned))
    for status in statuses:
        rewritten = status.ds >= ds_shift(floor, -lookback[status.model])
        if status.state != "current" and rewritten and (status.ds >= floor or status.state == "stale"):
            publish_days.setdefault(status.model, []).append(status.ds)
    if not publish_days:
        return None
    days = sorted(day for model_days in publish_days.values() for day in model_days)
    # A range from `floor` rewrites the late partitions before it; otherwise start at the first partition to rebuild.
    job_start = max(days[0], floor)
    job_end = max(days[-1], job_start)
    return " ".join(sorted(publish_days)), job_start, job_end, publish_days, {partitioned[name] for name in publish_days}, manifest


def explain(plan: Plan, manifest: dict, raw_root: Path, production: Path) -> str:
    """What the backfill will touch: partitions per model, production partitions it replaces,
    downstream models, and the rows it expects to read."""
    lines = ["", "Partitions it publishes (after checks and a comparison with production):"]
    existing = {}
    if production.exists():
        with publish.connect(production, read_only=True) as connection:
            for model in plan.models.values():
                days = publish.published_days(plan, model)
                if days and publish.table_exists(connection, model.relation):
                    existing[model.name] = connection.execute(f"select count(distinct ds) from {model.relation} where {publish.in_days(days)}").fetchone()[0]
    for model in plan.models.values():
        days = publish.published_days(plan, model)
        lines.append(
            f"  {model.name:<28} {len(days):>4} partition(s) {days[0] if days else '-'} .. {days[-1] if days else '-'}"
            f", {existing.get(model.name, 0)} of them in production now (replaced)"
        )
    lines.append("Downstream models outside the job, whose partitions will predate it: " + (", ".join(plan.downstream) or "none"))
    lines.append("Rows it expects to read (upstream outside the job, in the range plus the days its models look back):")
    job_ids = {model.unique_id for model in plan.models.values()} | {uid for uid, node in manifest["nodes"].items() if node["name"] in plan.view_relations}
    reads: dict[str, str] = {}
    landed = landed_partitions(raw_root)
    for model in plan.models.values():
        first = ds_shift(plan.start_ds, -(model.lookback + 1))
        for parent in model.parents:
            if parent in job_ids:
                continue
            if parent.startswith("source."):
                source = parent.rsplit(".", 1)[-1]
                files = [
                    path
                    for day in ds_range(first, plan.end_ds)
                    if day in landed.get(source, set())
                    for path in (raw_root / source / f"ds={day}").glob("*.jsonl.gz")
                ]
                reads[f"landing {source}"] = f"{len(files)} file(s), {sum(path.stat().st_size for path in files) / 1e6:,.1f} MB compressed"
            elif parent in manifest["nodes"]:
                node = manifest["nodes"][parent]
                relation = f"{node['schema']}.{node['alias']}"
                reads[relation] = _rows_to_read(production, relation, first, plan.end_ds, is_view=node["config"]["materialized"] == "view")
    lines += [f"  {name:<40} {what}" for name, what in sorted(reads.items())]
    return "\n".join(lines)


def _rows_to_read(production: Path, relation: str, first: str, last: str, is_view: bool = False) -> str:
    if not production.exists():
        return "not in production"
    with publish.connect(production, read_only=True) as connection:
        if not publish.table_exists(connection, relation):
            # The files a Spark warehouse is read through hold its tables, not its views.
            return "a view, read where it is used" if is_view else "not in production yet"
        columns = [row[0] for row in connection.execute(f"describe {relation}").fetchall()]
        if "ds" in columns:
            rows = connection.execute(f"select count(*) from {relation} where ds between date '{first}' and date '{last}'").fetchone()[0]
            return f"{rows:,} rows (ds {first} .. {last})"
        return f"{connection.execute(f'select count(*) from {relation}').fetchone()[0]:,} rows (whole table)"


def command_run(args: argparse.Namespace) -> int:
    warehouse = warehouse_from_env(args.duckdb_path)
    root = backfills_root(warehouse.catalog_path)
    target = root / "planning_target"
    publish_days = None
    if args.stale:
        job = stale_job(args, warehouse, target)
        if job is None:
            print("Every partition of the selection in the range is current: nothing to rebuild.")
            return 0
        select, start_ds, end_ds, publish_days, selected, manifest = job
        print(f"Stale or missing partitions: {sum(len(days) for days in publish_days.values())} in {len(publish_days)} model(s).")
    else:
        select, start_ds, end_ds = args.select, args.start_ds, args.end_ds
        selected, manifest = select_models(select, args.vars, args.raw_root, warehouse.catalog_path, target)
    parallelism = args.parallelism or 2
    if isinstance(warehouse, SparkWarehouse):
        # One dbt thread per Spark session (the profile's); Spark parallelises each statement instead.
        if parallelism > 1 and args.parallelism:
            print(f"On Spark a chunk builds one model at a time, each statement in parallel: --parallelism {parallelism} is not used.")
        parallelism = 1
    plan = build_plan(select, start_ds, end_ds, args.days_per_chunk, parallelism, args.vars, selected, manifest)
    plan.publish = publish_days
    if args.dry_run:
        print(describe(plan))
        print(explain(plan, manifest, args.raw_root, warehouse.reads()))
        print("\nDry run: nothing was built.")
        return 0
    state = BackfillState.create(warehouse.catalog_path, args.raw_root, plan)
    if isinstance(warehouse, SparkWarehouse):
        state.data.update(engine=warehouse.engine, spark_dir=str(warehouse.spark_dir))
        state.save()
    print(f"Backfill {state.backfill_id}; its state is in {state.folder}")
    return Runner(state).execute(swap=not args.no_swap)


def command_resume(args: argparse.Namespace) -> int:
    state = BackfillState.find(warehouse_from_env(args.duckdb_path).catalog_path, args.backfill_id)
    plan = state.plan
    print(f"Backfill {state.backfill_id}: {plan.select!r}, ds {plan.start_ds} .. {plan.end_ds}, vars {json.dumps(plan.vars)}")
    return Runner(state).execute(swap=not args.no_swap, rebuild=args.rebuild)


def command_list(args: argparse.Namespace) -> int:
    root = backfills_root(warehouse_from_env(args.duckdb_path).catalog_path)
    folders = sorted(root.glob("bf_*"))
    if not folders:
        print(f"No backfill under {root}.")
    for folder in folders:
        state = BackfillState.load(folder)
        plan = state.plan
        done = sum(1 for task in state.data["tasks"].values() if task.get("status") == "done")
        print(f"{state.backfill_id}  {state.phase:<9} {plan.select!r} ds {plan.start_ds} .. {plan.end_ds}  {done} chunk(s) done")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return {"run": command_run, "resume": command_resume, "list": command_list}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
