"""The metric tables: equal to MetricFlow and to hand-written SQL, and the analyst's YAML-only workflow."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from stayhub.metrics.definitions import load_definitions
from stayhub.metrics.metricflow import mf_query
from stayhub.project import PROJECT_ROOT
from stayhub.warehouse import dbt_env, run_dbt
from tests.integration.conftest import Warehouse

# Its dbt runs write the project's target/ folder (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("project_target")

FIRST_DS, LAST_DS = "2025-01-01", "2025-01-08"  # the sample warehouse's days
SAVED_QUERIES = sorted(q.name for q in load_definitions().saved_queries)


def table_rows(warehouse: Warehouse, table: str, where: str = "true") -> tuple[list[str], list[tuple]]:
    with duckdb.connect(str(warehouse.duckdb_path), read_only=True) as connection:
        relation = connection.sql(f"select * from {table} where {where}")
        return relation.columns, relation.fetchall()


def keyed(columns: list[str], rows: list) -> dict[tuple, dict]:
    """Rows by their grain (ds and dim_ columns, as text), each {column: value}."""
    keys = [c for c in columns if not c.startswith("m_")]
    result = {}
    for row in rows:
        record = dict(zip(columns, row, strict=True)) if not isinstance(row, dict) else row
        key = tuple(None if record[k] is None else str(record[k])[:10] if k == "ds" else str(record[k]) for k in keys)
        assert key not in result, f"grain {key} twice"
        result[key] = record
    return result


def same_number(left, right) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return math.isclose(float(left), float(right), rel_tol=1e-9, abs_tol=1e-9)


def differences(ours: dict[tuple, dict], theirs: dict[tuple, dict], metrics: list[str]) -> list[str]:
    problems = [f"only in the metric table: {key}" for key in ours.keys() - theirs.keys()]
    problems += [f"only in the other: {key}" for key in theirs.keys() - ours.keys()]
    for key in ours.keys() & theirs.keys():
        problems += [f"{key} {m}: {ours[key][m]} != {theirs[key][m]}" for m in metrics if not same_number(ours[key][m], theirs[key][m])]
    return sorted(problems)[:20]


@pytest.fixture(scope="module")
def semantic_manifest(sample_warehouse) -> Path:
    """target/semantic_manifest.json in the project, where mf reads it (dbt parse writes it)."""
    run_dbt(["parse"], sample_warehouse.raw_root, sample_warehouse.duckdb_path)
    path = PROJECT_ROOT / "target" / "semantic_manifest.json"
    assert path.exists()
    return path


@pytest.mark.parametrize("saved_query", SAVED_QUERIES)
def test_every_metric_table_equals_what_metricflow_returns(sample_warehouse, semantic_manifest, saved_query):
    columns, rows = table_rows(sample_warehouse, f"metrics.mtr_{saved_query}")
    ours = keyed(columns, rows)
    assert ours, f"mtr_{saved_query} is empty"
    assert {key[0] for key in ours} <= {f"2025-01-0{day}" for day in range(1, 9)}
    answer = mf_query(saved_query, FIRST_DS, LAST_DS, sample_warehouse.raw_root, sample_warehouse.duckdb_path)
    assert sorted(answer[0]) == sorted(columns)
    assert differences(ours, keyed(columns, answer), [c for c in columns if c.startswith("m_")]) == []


HAND_WRITTEN_BOOKINGS_BY_MARKET = """
    -- The listing as it was on the event's ds: that day's snapshot.
    with events as (
        select
            events.*,
            listings.dim_market as dim_listing_market_name,
            listings.dim_room_type as dim_listing_room_type
        from marts.fct_booking_events as events
        left join marts.dim_listings as listings
            on events.id_listing = listings.id_listing and events.ds = listings.ds
    )
    select
        ds,
        dim_listing_market_name,
        dim_listing_room_type,
        count(id_booking) as m_booking_events,
        sum(m_bookings_created) as m_bookings_created,
        sum(m_bookings_confirmed) as m_bookings_confirmed,
        sum(m_cancellations) as m_bookings_cancelled,
        sum(case when dim_booking_event = 'created' then m_nights end) as m_nights_booked,
        min(case when dim_booking_event = 'created' then m_nights end) as m_shortest_stay_nights,
        max(case when dim_booking_event = 'created' then m_nights end) as m_longest_stay_nights,
        sum(m_gross_booking_value) as m_gross_booking_value,
        nullif(count(distinct case when dim_booking_event = 'created' then id_guest end), 0) as m_booking_guests,
        sum(m_cancellations) / nullif(sum(m_bookings_created), 0) as m_cancellation_rate,
        sum(m_gross_booking_value) / nullif(sum(m_bookings_confirmed), 0) as m_average_booking_value
    from events
    group by all
"""


def test_bookings_by_market_equals_hand_written_sql_on_the_daily_snapshots(sample_warehouse):
    columns, rows = table_rows(sample_warehouse, "metrics.mtr_bookings_by_market")
    with duckdb.connect(str(sample_warehouse.duckdb_path), read_only=True) as connection:
        relation = connection.sql(HAND_WRITTEN_BOOKINGS_BY_MARKET)
        expected = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
    assert sorted(expected[0]) == sorted(columns)
    assert differences(keyed(columns, rows), keyed(columns, expected), [c for c in columns if c.startswith("m_")]) == []
    # Point in time: a listing's market is the one of the event's day, never today's.
    assert sample_warehouse.scalar("select count(distinct dim_listing_market_name) from metrics.mtr_bookings_by_market") > 1


# --- The analyst's workflow: YAML only ----------------------------------------------------------

NEW_METRICS = [
    {
        "name": "email_shares",
        "label": "Shares by email",
        "description": "Listings shared by email.",
        "type": "simple",
        "type_params": {"measure": "shares"},
        "filter": "{{ Dimension('engagement__share_channel') }} = 'email'",
        "config": {"meta": {"owner": "a-new-analyst"}},
    },
    {
        "name": "likes_per_engaging_user",
        "label": "Likes per engaging user",
        "description": "Likes per distinct user who liked, unliked or shared.",
        "type": "ratio",
        "type_params": {"numerator": "likes", "denominator": "engaging_users"},
        "config": {"meta": {"owner": "a-new-analyst"}},
    },
]
NEW_TABLE = {
    "name": "engagement_by_room_type",
    "description": "Engagement by the room type of the listing, on the day.",
    "query_params": {
        "metrics": ["likes", "email_shares", "likes_per_engaging_user"],
        "group_by": ["TimeDimension('metric_time', 'day')", "Dimension('listing__room_type')"],
    },
}


@pytest.fixture(scope="module")
def analyst_project(tmp_path_factory, sample_warehouse) -> tuple[Path, Warehouse]:
    """A copy of the project and of the sample warehouse, for YAML edits."""
    root = tmp_path_factory.mktemp("analyst")
    project = root / "project"
    shutil.copytree(PROJECT_ROOT, project, ignore=shutil.ignore_patterns(".venv", ".git", "target", "data", "logs", "docs", "__pycache__", ".pytest_cache"))
    warehouse = Warehouse(root)
    warehouse.raw_root = sample_warehouse.raw_root
    warehouse.copy_file_from(sample_warehouse.duckdb_path)
    return project, warehouse


def in_project(project: Path, warehouse: Warehouse, *args: str, ok: bool = True) -> str:
    """A command as the README's guide runs it, from the project folder: `stayhub ...` or `dbt ...`."""
    command = [sys.executable, "-m", "stayhub", *args[1:]] if args[0] == "stayhub" else [str(Path(sys.executable).parent / "dbt"), *args[1:]]
    result = subprocess.run(command, cwd=project, env=dbt_env(warehouse.raw_root, warehouse.duckdb_path), capture_output=True, text=True)
    assert (result.returncode == 0) == ok, result.stdout + result.stderr
    return result.stdout + result.stderr


def edit_yaml(path: Path, change) -> None:
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def test_a_new_metric_and_metric_table_need_only_yaml(analyst_project):
    project, warehouse = analyst_project
    # 1. The YAML: two metrics and a table (no SQL).
    edit_yaml(project / "models/metrics/_core__metrics.yml", lambda d: d["metrics"].extend(NEW_METRICS))
    edit_yaml(project / "models/metrics/_core__metric_tables.yml", lambda d: d["saved_queries"].append(NEW_TABLE))
    # Before generating, the check (and so `stayhub build`) names the missing file.
    assert "mtr_engagement_by_room_type.sql: missing" in in_project(project, warehouse, "stayhub", "metrics", "check", ok=False)
    # 2. Generate; 3. build the new table over the landed days.
    assert "wrote models/metrics/tables/mtr_engagement_by_room_type.sql" in in_project(project, warehouse, "stayhub", "metrics", "generate")
    in_project(project, warehouse, "stayhub", "backfill", "run", "--select", "mtr_engagement_by_room_type", "--start-ds", FIRST_DS, "--end-ds", LAST_DS)
    catalogue = in_project(project, warehouse, "stayhub", "metrics", "catalogue")
    assert any(line.split()[:2] == ["email_shares", "simple"] and "mtr_engagement_by_room_type" in line for line in catalogue.splitlines())

    columns, rows = table_rows(warehouse, "metrics.mtr_engagement_by_room_type")
    assert columns == ["ds", "dim_listing_room_type", "m_likes", "m_email_shares", "m_likes_per_engaging_user"]
    with duckdb.connect(str(warehouse.duckdb_path), read_only=True) as connection:
        relation = connection.sql(
            """
            with by_room_type as (
                select engagements.*, listings.dim_room_type as dim_listing_room_type
                from marts.fct_listing_engagements as engagements
                left join marts.dim_listings as listings on engagements.id_listing = listings.id_listing and engagements.ds = listings.ds
            )
            select
                ds,
                dim_listing_room_type,
                sum(m_likes) as m_likes,
                sum(case when dim_share_channel = 'email' then m_shares end) as m_email_shares,
                sum(m_likes) / nullif(count(distinct id_user), 0) as m_likes_per_engaging_user
            from by_room_type
            group by all
            """
        )
        expected = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
    assert len(rows) > 8
    assert differences(keyed(columns, rows), keyed(columns, expected), columns[2:]) == []


def test_a_changed_metric_definition_makes_its_tables_stale_and_the_runner_rebuilds_them(analyst_project):
    project, warehouse = analyst_project
    in_project(project, warehouse, "stayhub", "metrics", "generate")
    assert "Nothing to rebuild." in in_project(project, warehouse, "stayhub", "ledger")
    before = warehouse.scalar("select sum(m_nights_booked) from metrics.mtr_bookings_by_market")

    # Nights booked now counts confirmed bookings: the two tables that hold it are stale, and only they.
    edit_yaml(
        project / "models/metrics/_core__metrics.yml",
        lambda d: next(m for m in d["metrics"] if m["name"] == "nights_booked").update(filter="{{ Dimension('booking_event__event') }} = 'confirmed'"),
    )
    in_project(project, warehouse, "stayhub", "metrics", "generate")
    listing = in_project(project, warehouse, "stayhub", "ledger")
    stale_models = {line.split()[0] for line in listing.splitlines() if " stale " in line}
    assert stale_models == {"mtr_bookings_by_market", "mtr_guest_bookings"}

    in_project(project, warehouse, "stayhub", "backfill", "run", "--stale")
    assert "Nothing to rebuild." in in_project(project, warehouse, "stayhub", "ledger")
    expected = warehouse.scalar(f"select sum(m_nights) from marts.fct_booking_events where dim_booking_event = 'confirmed' and ds <= '{LAST_DS}'")
    after = warehouse.scalar("select sum(m_nights_booked) from metrics.mtr_bookings_by_market")
    assert after == expected != before


def test_dbt_refuses_a_metric_table_generated_from_another_version_of_its_saved_query(analyst_project):
    project, warehouse = analyst_project
    before = warehouse.query("select * from metrics.mtr_shares_by_channel order by all")
    edit_yaml(
        project / "models/metrics/_core__metric_tables.yml",
        lambda d: next(q for q in d["saved_queries"] if q["name"] == "shares_by_channel")["query_params"]["metrics"].append("likes"),
    )
    out = in_project(project, warehouse, "dbt", "build", "--select", "mtr_shares_by_channel", "--vars", f'{{ds: "{LAST_DS}"}}', ok=False)
    assert "mtr_shares_by_channel was generated from another version of saved query 'shares_by_channel' than the YAML holds" in out
    assert "run .venv/bin/stayhub metrics generate" in out
    assert warehouse.query("select * from metrics.mtr_shares_by_channel order by all") == before
    in_project(project, warehouse, "stayhub", "metrics", "generate")
    # A new column: the published table is rebuilt whole, as for any partitioned model whose columns change.
    out = in_project(project, warehouse, "dbt", "build", "--select", "mtr_shares_by_channel", "--vars", f'{{ds: "{LAST_DS}"}}', ok=False)
    assert "mtr_shares_by_channel: the model's columns changed" in out
    window = f'{{start_ds: "{FIRST_DS}", end_ds: "{LAST_DS}"}}'
    in_project(project, warehouse, "dbt", "build", "--select", "mtr_shares_by_channel", "--full-refresh", "--vars", window)
    columns, rows = table_rows(warehouse, "metrics.mtr_shares_by_channel")
    assert columns == ["ds", "dim_engagement_share_channel", "m_shares", "m_likes"]
    assert sum(row[3] or 0 for row in rows) == warehouse.scalar(f"select sum(m_likes) from marts.fct_listing_engagements where ds <= '{LAST_DS}'")
