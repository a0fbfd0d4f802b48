"""The main job: land a sample (unless one is there), build the whole
warehouse over every landed ds in one range run, and say what was built.

    stayhub build [--regenerate] [--raw-root PATH] [--duckdb-path PATH] [--pii-key-file PATH]

Emails are hashed with the key in $WAREHOUSE_PII_KEY_FILE (or --pii-key-file). Without one, a
sample this job lands itself gets a random sample key, sample-pii.key beside the warehouse
file; any other landing zone needs a key.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from stayhub import generate
from stayhub.experiments import cli as experiments_cli
from stayhub.metrics import cli as metrics_cli
from stayhub.warehouse import (
    DEFAULT_RAW_ROOT,
    LANDING_SOURCES,
    PII_KEY_ENV,
    PROJECT_ROOT,
    SAMPLE_PII_KEY_NAME,
    DbtError,
    duckdb_path_from_env,
    landed_range,
    raw_root_from_env,
    run_dbt,
    write_sample_pii_key,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="stayhub build", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raw-root", type=Path, default=raw_root_from_env(), help=f"landing zone (default: $WAREHOUSE_RAW_ROOT or {DEFAULT_RAW_ROOT})")
    parser.add_argument(
        "--duckdb-path", type=Path, default=duckdb_path_from_env(), help="warehouse file (default: $WAREHOUSE_DUCKDB_PATH or data/warehouse.duckdb)"
    )
    parser.add_argument("--regenerate", action="store_true", help="write a fresh default sample even if one is there")
    parser.add_argument(
        "--pii-key-file",
        type=Path,
        default=Path(os.environ[PII_KEY_ENV]) if os.environ.get(PII_KEY_ENV, "").strip() else None,
        help=f"file holding the key that hashes emails (default: ${PII_KEY_ENV}; a sample this job lands gets {SAMPLE_PII_KEY_NAME})",
    )
    return parser.parse_args(argv)


def has_landing_data(raw_root: Path) -> bool:
    return any((raw_root / source).exists() for source in LANDING_SOURCES)


def next_day_command(raw_root: Path | str, duckdb_path: Path | str, ds: str, pii_key_file: Path | str | None = None) -> str:
    """The shell command that builds partition `ds` of the warehouse this job built, from the landing
    zone it read: it works pasted into any shell, from any folder (it changes to the project folder
    and names the paths, absolute, as the job resolved them: the key file's path, never the key;
    by default $WAREHOUSE_PII_KEY_FILE's)."""
    dbt = Path(sys.executable).parent / "dbt"
    if dbt.is_relative_to(PROJECT_ROOT):
        dbt = dbt.relative_to(PROJECT_ROOT)
    if pii_key_file is None and os.environ.get(PII_KEY_ENV, "").strip():
        pii_key_file = os.environ[PII_KEY_ENV].strip()
    key_setting = [f"{PII_KEY_ENV}={shlex.quote(str(Path(pii_key_file).expanduser().resolve()))}"] if pii_key_file else []
    return " ".join(
        [
            "cd",
            shlex.quote(str(PROJECT_ROOT)),
            "&&",
            f"WAREHOUSE_RAW_ROOT={shlex.quote(str(Path(raw_root).resolve()))}",
            f"WAREHOUSE_DUCKDB_PATH={shlex.quote(str(Path(duckdb_path).resolve()))}",
            *key_setting,
            shlex.quote(str(dbt)),
            "build",
            "--profiles-dir",
            "profiles",
            "--vars",
            shlex.quote(f'{{ds: "{ds}"}}'),
        ]
    )


def summarise(duckdb_path: Path) -> str:
    """Every relation built, with its rows, and the landing accounting."""
    lines = []
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        relations = connection.sql("select table_schema, table_name, table_type from information_schema.tables order by table_schema, table_name").fetchall()
        lines.append(f"{'relation':<52} {'type':<6} {'rows':>12}")
        for schema, name, kind in relations:
            rows = connection.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0]
            lines.append(f"{schema + '.' + name:<52} {'view' if kind == 'VIEW' else 'table':<6} {rows:>12,}")
        lines.append("")
        lines.append("Landing lines, all partitions:")
        lines.append(f"{'source':<12} {'read':>10} {'staged':>10} {'duplicate':>10} {'rejected':>10} {'files not read':>15}")
        for source, read, staged, duplicate, rejected, not_read in connection.sql(
            "select source_name, sum(lines_read), sum(lines_staged), sum(lines_duplicate), sum(lines_rejected), "
            "sum(unexpected_files + unreadable_files) "
            "from base.base_landing__line_accounting group by all order by all"
        ).fetchall():
            lines.append(f"{source:<12} {read:>10,} {staged:>10,} {duplicate:>10,} {rejected:>10,} {not_read:>15,}")
        lines.append("")
        lines.append("Rejected lines by reason:")
        for source, reason, count in connection.sql(
            "select source_name, reject_reason, count(*) from base.base_landing__rejects group by all order by all"
        ).fetchall():
            lines.append(f"  {source:<12} {reason:<40} {count:>8,}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    sample_key = args.duckdb_path.parent / SAMPLE_PII_KEY_NAME
    if args.regenerate or not has_landing_data(args.raw_root):
        print(f"Generating the default sample landing zone in {args.raw_root} ...", flush=True)
        generate.main(["--raw-root", str(args.raw_root), "--overwrite"])
        if args.pii_key_file is None:
            write_sample_pii_key(sample_key)
    pii_key_file = args.pii_key_file
    if pii_key_file is None and sample_key.exists():
        pii_key_file = sample_key
        print(f"Emails are hashed with the sample key {sample_key}, for the sample only; set {PII_KEY_ENV} for real data.")
    if pii_key_file is None:
        print(
            f"No key for personal data: set {PII_KEY_ENV} (or --pii-key-file) to a file holding a secret key of at least"
            f" 32 bytes, e.g. openssl rand -hex 32 > /secure/place/stayhub-pii.key. Only a sample this job lands"
            f" itself (into an empty folder, or over an old sample with --regenerate) gets a sample key. Nothing was built.",
            file=sys.stderr,
        )
        return 1
    key_env = {PII_KEY_ENV: str(pii_key_file.expanduser().resolve())}
    # The metric tables and the experiment models are generated from YAML: a mistake there,
    # or a generated file out of date, stops the build before anything runs.
    if metrics_cli.main(["check"]) != 0 or experiments_cli.main(["check"]) != 0:
        return 1
    start_ds, end_ds = landed_range(args.raw_root)
    args.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"Building the warehouse for ds {start_ds} .. {end_ds} into {args.duckdb_path} ...", flush=True)
    try:
        run_dbt(["seed"], args.raw_root, args.duckdb_path, stream=True, extra_env=key_env)
        run_dbt(["build"], args.raw_root, args.duckdb_path, stream=True, extra_env=key_env, window={"start_ds": start_ds, "end_ds": end_ds})
    except DbtError as error:
        print(f"\nThe build failed: {error}. dbt's log is in logs/dbt.log; failing tests' SQL under target/.", file=sys.stderr)
        return 1
    print()
    print(summarise(args.duckdb_path))
    print()
    print(f"Done in {time.monotonic() - started:.0f} s. Where to look:")
    print(f"  warehouse      {args.duckdb_path}  (duckdb {args.duckdb_path} -readonly, or Python's duckdb.connect)")
    print("  rejects        base.base_landing__rejects (every unusable line or unread file, with its reason)")
    print("  data quality   base.base_landing__data_quality_issues (bad optional values set to null)")
    print("  accounting     base.base_landing__line_accounting (lines read = staged + duplicate + rejected)")
    print("  experiments    experiments.exp_results, exp_alerts; a page per experiment: .venv/bin/stayhub experiments report")
    print("  runs           audit.run_history (every dbt invocation, per node); the status page: .venv/bin/stayhub status")
    print("  dbt log        logs/dbt.log; compiled SQL under target/compiled/")
    next_ds = (date.fromisoformat(end_ds) + timedelta(days=1)).isoformat()
    print(f"  next day       once ds={next_ds} has landed in every source:")
    print(f"                 {next_day_command(args.raw_root, args.duckdb_path, next_ds, pii_key_file)}")
    print("                 or schedule .venv/bin/stayhub daily (it waits for the landing, builds, alerts; README: Operations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
