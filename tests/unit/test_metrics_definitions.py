"""The metric definitions: the shipped catalogue, the generated files, and every YAML mistake's message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from stayhub.metrics import cli
from stayhub.metrics.definitions import DefinitionError, load_definitions
from stayhub.metrics.generate import differences, write
from stayhub.metrics.plan import load_catalogue, plan_tables
from stayhub.project import PROJECT_ROOT

METRICS_YAML = "models/metrics/_core__metrics.yml"
TABLES_YAML = "models/metrics/_core__metric_tables.yml"

# The marketplace's core metrics the catalogue must cover, and metric tables it must ship.
CORE_METRICS = {
    "page_views", "logged_in_visitors", "anonymous_visitors", "time_on_page_ms", "likes", "unlikes", "shares",
    "bookings_created", "bookings_confirmed", "bookings_cancelled", "nights_booked", "gross_booking_value",
    "view_to_booking_conversion", "cancellation_rate", "deactivations", "active_viewers_7d", "active_viewers_28d",
}  # fmt: skip
CORE_TABLES = {"bookings_by_market", "engagement_by_platform", "guest_bookings", "shares_by_channel"}


def test_generated_metric_tables_are_current():
    assert differences() == [], "run: .venv/bin/stayhub metrics generate"


def test_the_catalogue_covers_the_core_metrics_and_tables():
    catalogue = load_catalogue(load_definitions())
    assert CORE_METRICS <= set(catalogue.metrics)
    assert CORE_TABLES <= set(catalogue.saved_queries)
    kinds = {str(m.get("type")) for m in catalogue.metrics.values()}
    assert kinds == {"simple", "ratio", "derived", "cumulative"}
    aggregations = {m.measures[name]["agg"] for name, m in catalogue.measures.items()}
    assert {"sum", "count", "count_distinct", "min", "max", "average"} <= aggregations
    grouped_by = {t.name: [d["column"] for d in t.dimensions] for t in plan_tables(catalogue)}
    assert grouped_by["bookings_by_market"] == ["dim_listing_market_name", "dim_listing_room_type"]
    assert grouped_by["guest_bookings"] == ["dim_guest_country", "dim_guest_booking_stage"]
    assert grouped_by["engagement_by_platform"] == ["dim_engagement_platform"]


def test_the_catalogue_command_prints_every_metric_with_its_tables(capsys):
    assert cli.main(["catalogue"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header == ["metric", "type", "definition", "owner", "tables"]
    rows = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert set(rows) == set(load_catalogue(load_definitions()).metrics)
    assert "sum(m_nights) of fct_booking_events where" in rows["nights_booked"]
    assert "mtr_bookings_by_market, mtr_guest_bookings" in rows["nights_booked"]
    assert "bookings_cancelled / bookings_created" in rows["cancellation_rate"]
    assert "over the trailing 7 days" in rows["active_viewers_7d"]
    assert "bookings-analytics" in rows["cancellation_rate"]


# --- Mistakes: each fails before anything runs, naming the file, line and field -------------------


@pytest.fixture
def project(tmp_path) -> Path:
    """The project's model YAML and generated tables, copied: a place to make mistakes."""
    shutil.copytree(PROJECT_ROOT / "models", tmp_path / "models", ignore=shutil.ignore_patterns("*.sql"))
    return tmp_path


def edit(project: Path, relative: str, change) -> None:
    path = project / relative
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def metric(document: dict, name: str) -> dict:
    return next(m for m in document["metrics"] if m["name"] == name)


def saved_query(document: dict, name: str) -> dict:
    return next(q for q in document["saved_queries"] if q["name"] == name)


def mistake(project: Path) -> str:
    with pytest.raises(DefinitionError) as raised:
        plan_tables(load_catalogue(load_definitions(project)))
    return str(raised.value)


def line_of(project: Path, relative: str, text: str, after: str = "") -> int:
    """The line of the first `text` after the first `after`."""
    lines = (project / relative).read_text().splitlines()
    start = next(number for number, line in enumerate(lines) if after in line)
    return next(number for number, line in enumerate(lines[start:], start + 1) if text in line)


def test_an_unknown_measure_is_named_with_its_file_line_and_field(project):
    edit(project, METRICS_YAML, lambda d: metric(d, "likes")["type_params"].update(measure="likez"))
    message = mistake(project)
    line = line_of(project, METRICS_YAML, "measure: likez")
    assert message.startswith(f"{METRICS_YAML}:{line}: metrics[")
    assert "(likes).type_params.measure: unknown measure 'likez' (did you mean likes?)" in message


def test_a_dimension_not_reachable_from_the_fact_is_named(project):
    edit(project, TABLES_YAML, lambda d: saved_query(d, "shares_by_channel")["query_params"]["group_by"].append("Dimension('guest__country')"))
    message = mistake(project)
    assert message.startswith(f"{TABLES_YAML}:{line_of(project, TABLES_YAML, 'guest__country', after='name: shares_by_channel')}: saved_queries[")
    assert "(shares_by_channel).query_params.group_by[2]: dimension 'guest__country' is not reachable from semantic model 'listing_engagements'" in message
    assert "it has no entity 'guest'" in message


def test_an_unknown_dimension_of_a_known_entity_is_named(project):
    edit(project, TABLES_YAML, lambda d: saved_query(d, "bookings_by_market")["query_params"]["group_by"].append("Dimension('listing__colour')"))
    assert "no semantic model keyed by 'listing' has a dimension 'colour'" in mistake(project)


@pytest.mark.parametrize(
    ("relative", "change", "expected"),
    [
        (METRICS_YAML, lambda d: d["metrics"].append(dict(metric(d, "likes"))), "metric name 'likes' is used twice (also at models/metrics/_core__metrics.yml"),
        (TABLES_YAML, lambda d: d["saved_queries"].append(dict(saved_query(d, "shares_by_channel"))), "saved query name 'shares_by_channel' is used twice"),
        (
            "models/marts/bookings/_bookings__semantic_models.yml",
            lambda d: d["semantic_models"][0]["measures"].append({"name": "likes", "agg": "sum", "expr": "1"}),
            "semantic_models[1] (listing_engagements).measures[0].name: measure name 'likes' is used twice"
            " (also in models/marts/bookings/_bookings__semantic_models.yml:",
        ),
    ],
    ids=["metric", "saved_query", "measure"],
)
def test_a_name_used_twice_is_named_with_both_places(project, relative, change, expected):
    edit(project, relative, change)
    message = mistake(project)
    assert message.startswith("models/")
    assert expected in message


@pytest.mark.parametrize(
    ("bad_filter", "expected"),
    [
        ("{{ Dimension('page_view__page_type' }} = 'listing'", "filter does not compile: "),
        ("{{ Dimension('page_view__page_type') }} = = 'listing'", "does not compile as SQL: \"page_view__page_type = = 'listing'\""),
        ("{{ Dimension('page_view__colour') }} = 'red'", "no semantic model keyed by 'page_view' has a dimension 'colour'"),
        ("{{ Dimension('guest__country') }} = 'US'", "dimension 'guest__country' is not reachable from semantic model 'page_views'"),
    ],
    ids=["jinja", "sql", "unknown_dimension", "unreachable_dimension"],
)
def test_a_filter_that_does_not_compile_is_named(project, bad_filter, expected):
    edit(project, METRICS_YAML, lambda d: metric(d, "listing_page_views").update(filter=bad_filter))
    message = mistake(project)
    line = line_of(project, METRICS_YAML, "filter:", after="name: listing_page_views")
    assert message.startswith(f"{METRICS_YAML}:{line}: metrics[")
    assert "(listing_page_views).filter: " in message
    assert expected in message


def test_an_unknown_metric_in_a_metric_table_is_named(project):
    edit(project, TABLES_YAML, lambda d: saved_query(d, "shares_by_channel")["query_params"]["metrics"].append("sharez"))
    message = mistake(project)
    assert f"{TABLES_YAML}:{line_of(project, TABLES_YAML, 'sharez')}: " in message
    assert "(shares_by_channel).query_params.metrics[1]: unknown metric 'sharez' (did you mean shares?)" in message


def test_a_derived_metric_naming_what_it_does_not_read_is_named(project):
    edit(project, METRICS_YAML, lambda d: metric(d, "net_likes")["type_params"].update(expr="likes - unlikes - shares"))
    assert "(net_likes).type_params.expr: expr names shares, not among the metric's inputs (likes, unlikes)" in mistake(project)


def test_a_cumulative_metric_no_table_supplies_is_named(project):
    edit(project, METRICS_YAML, lambda d: metric(d, "active_viewers_7d")["type_params"]["cumulative_type_params"].update(window="14 days"))
    assert "no cumulative table supplies distinct id_user of fct_page_views over 14 days" in mistake(project)


def test_generate_refuses_a_mistake_and_writes_nothing(project, capsys, monkeypatch):
    write(project)
    before = {p.name: p.read_text() for p in (project / "models/metrics/tables").iterdir()}
    edit(project, METRICS_YAML, lambda d: metric(d, "likes")["type_params"].update(measure="likez"))
    monkeypatch.setattr("stayhub.metrics.cli.PROJECT_ROOT", project)
    assert cli.main(["generate"]) == 1
    assert "unknown measure 'likez'" in capsys.readouterr().err
    assert {p.name: p.read_text() for p in (project / "models/metrics/tables").iterdir()} == before


def test_check_names_a_stale_missing_or_left_over_file(project, capsys, monkeypatch):
    write(project)
    monkeypatch.setattr("stayhub.metrics.cli.PROJECT_ROOT", project)
    assert cli.main(["check"]) == 0
    tables = project / "models/metrics/tables"
    (tables / "mtr_shares_by_channel.sql").unlink()
    (tables / "mtr_old_table.sql").write_text("select 1")
    edit(project, METRICS_YAML, lambda d: metric(d, "likes").update(filter="{{ Dimension('engagement__platform') }} = 'web'"))
    assert cli.main(["check"]) == 1
    err = capsys.readouterr().err
    assert "run: .venv/bin/stayhub metrics generate" in err
    assert "models/metrics/tables/mtr_shares_by_channel.sql: missing" in err
    assert "models/metrics/tables/mtr_old_table.sql: left over" in err
    assert "models/metrics/tables/mtr_engagement_by_platform.sql: stale" in err
    assert "mtr_bookings_by_market.sql" not in err


@pytest.mark.parametrize(
    ("relative", "change", "expected"),
    [
        (
            "models/marts/listings/_listings__semantic_models.yml",
            lambda d: d["semantic_models"][0]["measures"][0].update(non_additive_dimension={"name": "ds", "window_choice": "max"}),
            "(page_views).measures[0].non_additive_dimension: non_additive_dimension on a measure is not supported in metric tables",
        ),
        (METRICS_YAML, lambda d: metric(d, "likes")["type_params"].update(measure={"name": "likes", "fill_nulls_with": 0}), "fill_nulls_with is not supported"),
        (
            TABLES_YAML,
            lambda d: d["saved_queries"].append(
                {"name": "viewers_by_platform", "query_params": {"metrics": ["active_viewers_7d"], "group_by": ["Dimension('page_view__platform')"]}}
            ),
            "a metric table with a cumulative metric groups by metric_time only",
        ),
        (
            TABLES_YAML,
            lambda d: saved_query(d, "shares_by_channel")["query_params"]["group_by"].append("TimeDimension('metric_time', 'week')"),
            "metric tables are daily",
        ),
    ],
    ids=["semi_additive_measure", "fill_nulls_with", "cumulative_cut", "weekly_grain"],
)
def test_what_metric_tables_do_not_support_is_refused_by_name(project, relative, change, expected):
    edit(project, relative, change)
    assert expected in mistake(project)
