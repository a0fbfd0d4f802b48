"""The partition ledger: one row per partitioned model and ds, written with the
exchange; fingerprints of each model's definition; which partitions are
missing or stale (stayhub/ledger.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, timedelta

import duckdb
import pytest

from stayhub import ledger
from stayhub.ledger import PartitionStatus, current_fingerprints, partition_status, ranges
from stayhub.project import project_vars
from stayhub.warehouse import PROJECT_ROOT, dbt_vars, run_dbt
from tests.integration import crafted_landing
from tests.integration.conftest import Warehouse

RERUN_DS = "2025-03-02"
LEDGER_COLUMNS = "run_id, published_by, published_at, row_count, check_status, fingerprint"


def shift(ds: str, days: int) -> str:
    return (date.fromisoformat(ds) + timedelta(days=days)).isoformat()


def ledger_rows(warehouse) -> dict[tuple[str, str], tuple]:
    """{(model, ds): (run_id, published_by, published_at, row_count, check_status, fingerprint)}."""
    return {
        (model, ds): tuple(rest)
        for model, ds, *rest in warehouse.query(f"select model_name, cast(ds as varchar), {LEDGER_COLUMNS} from audit.partition_ledger")
    }


def partitioned_models(warehouse) -> dict[str, dict]:
    """{model name: manifest node} of every model materialized `partitioned`."""
    manifest = json.loads((warehouse.target_path / "manifest.json").read_text())
    return {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model" and node["config"]["materialized"] == "partitioned"}


def first_ds_written(node: dict, window_start: str) -> str:
    """Facts and cumulative tables rewrite lookback_days (the project's default) partitions before the window."""
    lookback = int(project_vars()["lookback_days"])
    return shift(window_start, -lookback) if node["config"]["meta"].get("rewrites_late_partitions") else window_start


def partitions_with_status(warehouse, status: str) -> set[tuple[str, str, str]]:
    """(model, ds, run_id) of every partition a check of that run recorded `status` for."""
    return set(warehouse.query(f"select distinct model_name, cast(ds as varchar), run_id from audit.partition_check_results where status = '{status}'"))


@pytest.fixture(scope="module")
def fingerprint_root(tmp_path_factory):
    """Where the fingerprint operations run: no landed data, no warehouse to begin with."""
    return tmp_path_factory.mktemp("fingerprints")


@pytest.fixture(scope="module")
def fingerprint_run(fingerprint_root):
    """`dbt --quiet run-operation print_partition_fingerprints` with nothing landed and an empty database."""
    return run_dbt(
        ["--quiet", "run-operation", "print_partition_fingerprints"],
        raw_root=fingerprint_root / "nothing_landed",
        duckdb_path=fingerprint_root / "empty.duckdb",
        target_path=fingerprint_root / "target",
    )


@pytest.fixture(scope="module")
def fingerprints(fingerprint_run) -> dict[str, str]:
    return ledger.parse_fingerprints(fingerprint_run.stdout)


@pytest.fixture(scope="module")
def fingerprints_again(fingerprint_root, fingerprint_run) -> dict[str, str]:
    """The same, through stayhub.ledger, in another dbt process."""
    assert fingerprint_run.returncode == 0
    return current_fingerprints(fingerprint_root / "nothing_landed", fingerprint_root / "empty.duckdb", target_path=fingerprint_root / "target")


def fingerprints_of_changed_project(fingerprint_root, fingerprint_run, tmp_path, *changes) -> dict[str, str]:
    """Fingerprints of a copy of this project with `changes` (path, old, new) applied.

    The copy starts from the saved parse of fingerprint_run (same profile and
    vars), so dbt parses only the changed files.
    """
    assert fingerprint_run.returncode == 0
    project = tmp_path / "project"
    shutil.copytree(
        PROJECT_ROOT,
        project,
        ignore=shutil.ignore_patterns(".venv", ".git", "target", "data", "logs", "dbt_packages", "docs", "__pycache__", ".pytest_cache"),
    )
    for path, old, new in changes:
        text = (project / path).read_text()
        assert text.count(old) == 1, f"{old!r} is not in {path} once"
        (project / path).write_text(text.replace(old, new))
    (tmp_path / "target").mkdir()
    shutil.copyfile(fingerprint_root / "target" / "partial_parse.msgpack", tmp_path / "target" / "partial_parse.msgpack")
    return current_fingerprints(fingerprint_root / "nothing_landed", fingerprint_root / "empty.duckdb", target_path=tmp_path / "target", project_dir=project)


def test_fingerprints_print_as_one_json_line_without_data_and_are_stable(
    fingerprint_root, fingerprint_run, fingerprints, fingerprints_again, crafted_warehouse
):
    assert fingerprint_run.stdout.strip().splitlines() == [json.dumps(fingerprints, sort_keys=True)]
    assert set(fingerprints) == set(partitioned_models(crafted_warehouse))
    assert all(len(fingerprint) == 32 for fingerprint in fingerprints.values())
    assert len(set(fingerprints.values())) == len(fingerprints)
    assert fingerprints_again == fingerprints
    # As the materialization computed them while it published the range, in a run with other vars.
    assert {(model, row[5]) for (model, _), row in ledger_rows(crafted_warehouse).items()} == set(fingerprints.items())


def test_without_a_warehouse_file_the_fingerprints_come_from_an_in_memory_database(monkeypatch, tmp_path):
    calls = []

    def fake_run_dbt(args, raw_root, duckdb_path, extra_env=None, target_path=None):
        calls.append(extra_env)
        return subprocess.CompletedProcess(args, 0, stdout='{"m": "f"}\n')

    monkeypatch.setattr(ledger, "run_dbt", fake_run_dbt)
    assert current_fingerprints(tmp_path, tmp_path / "absent" / "warehouse.duckdb") == {"m": "f"}
    (tmp_path / "warehouse.duckdb").touch()
    assert current_fingerprints(tmp_path, tmp_path / "warehouse.duckdb") == {"m": "f"}
    assert calls == [{"WAREHOUSE_DUCKDB_PATH": ":memory:"}, None]


def test_a_range_build_records_one_row_per_model_and_ds_it_wrote(crafted_warehouse, fingerprints):
    rows = ledger_rows(crafted_warehouse)
    models = partitioned_models(crafted_warehouse)
    for name, node in models.items():
        written = sorted(ds for model, ds in rows if model == name)
        first_ds = first_ds_written(node, crafted_landing.FIRST_DS)
        assert written == ledger.ds_range(first_ds, crafted_landing.LAST_DS), name

    counts_sql = " union all ".join(
        f"select '{name}', cast(ds as varchar), count(*) from {node['schema']}.{node['alias']} group by all" for name, node in models.items()
    )
    counts = {(model, ds): count for model, ds, count in crafted_warehouse.query(counts_sql)}
    assert set(counts) <= set(rows)
    assert {key: row[3] for key, row in rows.items()} == {key: counts.get(key, 0) for key in rows}
    assert any(row[3] == 0 for row in rows.values()) and sum(row[3] for row in rows.values()) > 0

    warned = partitions_with_status(crafted_warehouse, "warn")
    skipped = partitions_with_status(crafted_warehouse, "skip")
    audited_runs = {run_id for (run_id,) in crafted_warehouse.query("select distinct run_id from audit.partition_check_results")}
    for (model, ds), (run_id, published_by, published_at, _, check_status, _) in rows.items():
        assert run_id in audited_runs and published_by == "dbt" and published_at is not None
        expected = "warn" if (model, ds, run_id) in warned else "skip" if (model, ds, run_id) in skipped else "pass"
        assert check_status == expected, (model, ds)
    # The crafted data gives dim_listings a market on 03-02 it had not seen before: a warning, published.
    assert rows[("dim_listings", "2025-03-02")][4] == "warn"
    # Three days are too little history for volume_anomaly: skipped, not passed.
    assert rows[("base_listings__lines", "2025-03-01")][4] == "skip"
    assert {row[4] for row in rows.values()} == {"pass", "skip", "warn"}


@pytest.fixture(scope="module")
def rerun(tmp_path_factory, crafted_warehouse):
    """A copy of the range-built warehouse, before and after `dbt run` of one ds, and that run's invocation id."""
    warehouse = Warehouse(tmp_path_factory.mktemp("ledger_rerun"))
    warehouse.raw_root = crafted_warehouse.raw_root
    warehouse.copy_file_from(crafted_warehouse.duckdb_path)
    before = ledger_rows(warehouse)
    warehouse.dbt("run", "--vars", dbt_vars(ds=RERUN_DS))
    invocation_id = json.loads((warehouse.target_path / "run_results.json").read_text())["metadata"]["invocation_id"]
    return warehouse, before, ledger_rows(warehouse), invocation_id


def test_rerunning_one_ds_replaces_exactly_its_rows_under_the_runs_invocation_id(rerun, crafted_warehouse):
    warehouse, before, after, invocation_id = rerun
    models = partitioned_models(crafted_warehouse)
    assert after.keys() == before.keys()
    for (model, ds), row in after.items():
        old = before[(model, ds)]
        if first_ds_written(models[model], RERUN_DS) <= ds <= RERUN_DS:
            assert row[0] == invocation_id, (model, ds)
            assert row[2] > old[2] and row[1] == old[1] and row[3] == old[3] and row[5] == old[5], (model, ds)
        else:
            assert row == old, (model, ds)
    rewritten = {key for key, row in after.items() if row[0] == invocation_id}
    first_fact_ds = first_ds_written(models["fct_page_views"], RERUN_DS)
    assert ("fct_page_views", first_fact_ds) in rewritten and ("dim_users", RERUN_DS) in rewritten
    assert ("fct_page_views", shift(first_fact_ds, -1)) not in rewritten and ("dim_users", "2025-03-01") not in rewritten
    warned = partitions_with_status(warehouse, "warn")
    skipped = partitions_with_status(warehouse, "skip")
    for model, ds in rewritten:
        key = (model, ds, invocation_id)
        assert after[(model, ds)][4] == ("warn" if key in warned else "skip" if key in skipped else "pass")


def test_a_full_refresh_leaves_only_the_partitions_it_published(rerun):
    warehouse = rerun[0]
    before = ledger_rows(warehouse)
    # A full refresh of one ds would delete the other published partitions: refused, ledger untouched.
    # The run's vars as the rerun's, so dbt's saved parse stays valid.
    result = warehouse.dbt("run", "--select", "base_listings__lines", "--full-refresh", "--vars", dbt_vars(ds=RERUN_DS), check=False)
    assert result.returncode != 0 and "Full refresh refused for base_listings__lines" in result.stdout
    assert ledger_rows(warehouse) == before
    # Over the whole history, every ledger row of the model is replaced by the run's.
    warehouse.dbt(
        "run",
        "--select",
        "base_listings__lines",
        "--full-refresh",
        "--vars",
        dbt_vars(start_ds=crafted_landing.FIRST_DS, end_ds=crafted_landing.LAST_DS),
    )
    invocation_id = json.loads((warehouse.target_path / "run_results.json").read_text())["metadata"]["invocation_id"]
    rows = ledger_rows(warehouse)
    listings = {ds: row for (model, ds), row in rows.items() if model == "base_listings__lines"}
    assert sorted(listings) == ledger.ds_range(crafted_landing.FIRST_DS, crafted_landing.LAST_DS)
    assert {row[0] for row in listings.values()} == {invocation_id}
    assert sum(row[3] for row in listings.values()) == warehouse.scalar("select count(*) from base.base_listings__lines")
    assert sorted(ds for model, ds in rows if model == "dim_listings") == ledger.ds_range(crafted_landing.FIRST_DS, crafted_landing.LAST_DS)


def test_changing_a_models_sql_makes_it_and_its_downstream_models_stale_and_nothing_else(
    fingerprint_root, fingerprint_run, fingerprints, crafted_warehouse, tmp_path
):
    changed = fingerprints_of_changed_project(
        fingerprint_root,
        fingerprint_run,
        tmp_path,
        ("models/marts/listings/fct_page_views.sql", "select * from final", "select * from final\n-- changed"),
        # Not part of a fingerprint: a partition check, and the Spark version of a macro DuckDB does not use.
        (
            "models/marts/users/_users__models.yml",
            "{type: not_null, column: id_user}\n        - {type: accepted_values",
            "{type: not_null, column: id_user, severity: warn}\n        - {type: accepted_values",
        ),
        ("macros/utils/url_decode.sql", "coalesce(try_url_decode(", "coalesce(try_url_decode( "),
    )
    assert changed.keys() == fingerprints.keys()
    # It, the cumulative tables built on it, the metric tables built on either, and the experiment models reading it.
    stale_models = {
        "fct_page_views", "cum_user_activity", "cum_listing_engagement",
        "mtr_page_views_by_platform", "mtr_conversion_by_market", "mtr_marketplace_daily",
        "exp_user_daily_metrics", "exp_user_metrics", "exp_sufficient_stats", "exp_results", "exp_alerts",
    }  # fmt: skip
    assert {model for model in fingerprints if changed[model] != fingerprints[model]} == stale_models

    statuses = partition_status(crafted_warehouse.duckdb_path, changed, crafted_landing.FIRST_DS, crafted_landing.LAST_DS)
    assert len(statuses) == len(fingerprints) * 3
    assert {status.model for status in statuses if status.state == "stale"} == stale_models
    assert {status.state for status in statuses if status.model not in stale_models} == {"current"}
    assert all(status.state == "stale" for status in statuses if status.model in stale_models)


def test_a_macro_the_engine_dispatches_to_changes_the_models_using_it(fingerprint_root, fingerprint_run, fingerprints, tmp_path):
    changed = fingerprints_of_changed_project(
        fingerprint_root,
        fingerprint_run,
        tmp_path,
        ("macros/utils/url_decode.sql", "coalesce(try(url_decode(", "coalesce(try(url_decode( "),
    )
    assert {model for model in fingerprints if changed[model] != fingerprints[model]} == {
        "base_events__lines",
        "fct_page_views",
        "fct_listing_engagements",
        "cum_user_activity",
        "cum_listing_engagement",
        "mtr_page_views_by_platform",
        "mtr_conversion_by_market",
        "mtr_engagement_by_platform",
        "mtr_shares_by_channel",
        "mtr_marketplace_daily",
        "exp_user_daily_metrics",
        "exp_user_metrics",
        "exp_sufficient_stats",
        "exp_results",
        "exp_alerts",
    }


def test_partitions_never_built_are_missing(crafted_warehouse, fingerprints, tmp_path):
    # The range build wrote the facts' late partitions before its first ds: from 2025-02-24 + 1 with the default lookback of 4.
    first_fact_ds = first_ds_written(partitioned_models(crafted_warehouse)["fct_page_views"], crafted_landing.FIRST_DS)
    assert "2025-02-24" < first_fact_ds
    statuses = partition_status(crafted_warehouse.duckdb_path, fingerprints, "2025-02-24", "2025-03-04", models=["base_events__lines", "fct_page_views"])
    by_state = {
        (model, state): ranges([status.ds for status in statuses if status.model == model and status.state == state])
        for model in ("base_events__lines", "fct_page_views")
        for state in ("missing", "current")
    }
    assert by_state == {
        ("base_events__lines", "missing"): [("2025-02-24", "2025-02-28"), ("2025-03-04", "2025-03-04")],
        ("base_events__lines", "current"): [("2025-03-01", "2025-03-03")],
        ("fct_page_views", "missing"): [("2025-02-24", shift(first_fact_ds, -1)), ("2025-03-04", "2025-03-04")],
        ("fct_page_views", "current"): [(first_fact_ds, "2025-03-03")],
    }
    missing = next(status for status in statuses if status.state == "missing")
    assert (missing.run_id, missing.published_at, missing.fingerprint) == (None, None, None)
    current = next(status for status in statuses if status.state == "current")
    assert current.run_id and current.published_at and current.fingerprint == fingerprints[current.model]

    # No warehouse yet, or one without a ledger: everything is missing.
    with duckdb.connect(str(tmp_path / "no_ledger.duckdb")) as connection:
        connection.execute("create schema audit; create table audit.partition_check_results (run_id varchar)")
    for path in (tmp_path / "absent.duckdb", tmp_path / "no_ledger.duckdb"):
        statuses = partition_status(path, fingerprints, "2025-03-01", "2025-03-02")
        assert [status.state for status in statuses] == ["missing"] * (2 * len(fingerprints))
        assert statuses[0] == PartitionStatus(sorted(fingerprints)[0], "2025-03-01", "missing", None, None, None)


def test_the_command_lists_stale_and_missing_ranges_and_the_backfill_to_run(crafted_warehouse, fingerprints, monkeypatch, capsys):
    changed = dict(fingerprints, fct_page_views="0" * 32)
    monkeypatch.setattr(ledger, "current_fingerprints", lambda raw_root, duckdb_path, **_: changed)
    args = ["--raw-root", str(crafted_warehouse.raw_root), "--duckdb-path", str(crafted_warehouse.duckdb_path)]
    first_fact_ds = first_ds_written(partitioned_models(crafted_warehouse)["fct_page_views"], crafted_landing.FIRST_DS)
    facts = len(ledger.ds_range(first_fact_ds, crafted_landing.LAST_DS))

    # By default: the days landed in every source, and the late partitions before them the ledger holds.
    assert ledger.main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        f"Partition ledger of {crafted_warehouse.duckdb_path}, ds 2025-03-01 .. 2025-03-03 (landed in every source) and the late partitions before it:"
    )
    assert lines[1].split() == [
        "fct_page_views",
        "stale",
        first_fact_ds,
        "..",
        "2025-03-03",
        f"({facts}",
        "partitions):",
        "its",
        "definition",
        "changed",
    ]
    assert lines[2:] == [
        f"Total: 0 missing, {facts} stale, {len(ledger_rows(crafted_warehouse)) - facts} current partition(s) of {len(fingerprints)} model(s).",
        "Rebuild them with:",
        "  stayhub backfill run --stale",
    ]

    # An explicit range: exactly its days, missing ones included.
    assert first_fact_ds == "2025-02-25", "the lines below expect lookback_days 4"
    assert ledger.main([*args, "--models", "fct_page_views,dim_users", "--start-ds", "2025-02-24", "--end-ds", "2025-03-01", "--all"]) == 0
    assert [line.split() for line in capsys.readouterr().out.splitlines()[1:]] == [
        ["dim_users", "missing", "2025-02-24", "..", "2025-02-28", "(5", "partitions)"],
        ["current", "2025-03-01", "(1", "partition)"],
        ["fct_page_views", "missing", "2025-02-24", "(1", "partition)"],
        ["stale", "2025-02-25", "..", "2025-03-01", "(5", "partitions):", "its", "definition", "changed"],
        ["Total:", "6", "missing,", "5", "stale,", "1", "current", "partition(s)", "of", "2", "model(s)."],
        ["Rebuild", "them", "with:"],
        ["stayhub", "backfill", "run", "--stale", "--start-ds", "2025-02-24", "--end-ds", "2025-03-01"],
    ]


def test_ranges_collapse_days_into_contiguous_inclusive_ranges():
    assert ranges([]) == []
    assert ranges(["2025-03-02"]) == [("2025-03-02", "2025-03-02")]
    assert ranges(["2025-03-03", "2025-02-28", "2025-03-01", "2025-03-01", "2025-03-05"]) == [
        ("2025-02-28", "2025-03-01"),
        ("2025-03-03", "2025-03-03"),
        ("2025-03-05", "2025-03-05"),
    ]
