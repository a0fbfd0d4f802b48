"""experiments/*.yml: what an analyst writes, what it generates, and every mistake named by file, line and field."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from stayhub.experiments import cli
from stayhub.experiments.definitions import load_experiments
from stayhub.experiments.generate import daily_metrics_plan, definition_rows, differences, generated_files, write
from stayhub.metrics.definitions import DefinitionError, load_definitions
from stayhub.metrics.plan import load_catalogue
from stayhub.project import PROJECT_ROOT

GOOD = """
experiments:
  - key: new_search
    description: A new search.
    owner: search-team
    variants: [control, treatment]
    control: control
    start_ds: 2025-01-05
    end_ds: 2025-01-31
    metrics: [page_views, {name: gross_booking_value, capping: {method: value, value: 500}}]
    guardrail_metrics: [{name: bookings_cancelled, higher_is_better: false}]
    cuts: [platform, guest__country]
    capping: {method: percentile, value: 0.95}
    sequential: true
    correction: bonferroni
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's models and experiments, for an analyst's edits."""
    shutil.copytree(PROJECT_ROOT / "models", tmp_path / "models")
    shutil.copytree(PROJECT_ROOT / "experiments", tmp_path / "experiments")
    return tmp_path


def experiments_of(project: Path, text: str) -> list:
    for old in (project / "experiments").glob("*.yml"):
        old.unlink()
    (project / "experiments" / "mine.yml").write_text(textwrap.dedent(text))
    return load_experiments(project, load_catalogue(load_definitions(project)))


def mistake(project: Path, text: str) -> str:
    with pytest.raises(DefinitionError) as raised:
        experiments_of(project, text)
    return str(raised.value)


def test_the_projects_generated_models_are_current():
    assert differences(PROJECT_ROOT) == []
    assert cli.main(["check"]) == 0


def test_an_experiment_as_written(project):
    (experiment,) = experiments_of(project, GOOD)
    assert experiment.variants == [("control", 0.5), ("treatment", 0.5)]
    assert [(m.name, m.is_guardrail, m.higher_is_better, m.capping.method, m.capping.value) for m in experiment.metrics] == [
        ("page_views", False, True, "percentile", 0.95),
        ("gross_booking_value", False, True, "value", 500.0),
        ("bookings_cancelled", True, False, "percentile", 0.95),
    ]
    assert [cut.name for cut in experiment.cuts] == ["platform", "guest__country"]
    assert experiment.cuts[1].model == "dim_users_history" and experiment.cuts[1].column == "dim_country"
    assert experiment.settings == {
        "alpha": 0.05,
        "power": 0.8,
        "cuped": True,
        "sequential": True,
        "sequential_tuning": 5000.0,
        "correction": "bonferroni",
        "srm_alpha": 0.001,
    }
    (row,) = definition_rows([experiment])
    assert row["end_ds"] == "2025-01-31" and len(row["variants"]) == 2 and len(row["metrics"]) == 3


def test_a_metric_means_what_its_yaml_says(project):
    """The per-user plan is the metric tables' plan: the same aggregates and filters, grouped by the fact's user."""
    catalogue = load_catalogue(load_definitions(project))
    experiments = experiments_of(project, GOOD.replace("metrics: [page_views,", "metrics: [listing_page_views, nights_booked, page_views,"))
    plan = daily_metrics_plan(catalogue, experiments)
    sources = {source["name"]: source for source in plan["sources"]}
    assert sources["page_views"]["row_columns"]["experiment_user"] == "id_user"
    assert sources["booking_events"]["row_columns"]["experiment_user"] == "id_guest"
    filters = {(aggregate["input"], aggregate["filter"]) for source in plan["sources"] for aggregate in source["aggregates"]}
    assert ("measure__booked_nights", "(booking_event__event = 'created')") in filters
    # page_views and listing_page_views: one measure, without and with the listing-page filter.
    assert {f for i, f in filters if i == "measure__page_views"} == {None, "(page_view__page_type = 'listing')"}
    assert plan["dimensions"] == [{"column": "id_user", "alias": "experiment_user"}]


def test_generate_writes_and_check_notices_a_change(project):
    write(project)
    assert differences(project) == []
    (project / "experiments" / "extra.yml").write_text(GOOD)
    assert any("stale" in problem for problem in differences(project))
    write(project)
    assert differences(project) == []
    assert "'new_search'" in (project / "models/experiments/generated/exp_definitions.sql").read_text()
    assert {file.path.name for file in generated_files(project)} == {"exp_definitions.sql", "exp_user_daily_metrics.sql", "exp_user_cuts.sql"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("metrics: [page_views,", "metrics: [page_veiws,"), "metrics[0]: unknown metric 'page_veiws'"),
        (("metrics: [page_views,", "metrics: [booking_guests,"), "aggregates by count_distinct"),
        (("metrics: [page_views,", "metrics: [cancellation_rate,"), "is a ratio metric"),
        (("metrics: [page_views,", "metrics: [bookings_cancelled,"), "listed twice"),
        (("control: control", "control: baseline"), "control 'baseline' is not one of the variants"),
        (("variants: [control, treatment]", "variants: [{name: control, share: 0.6}, {name: treatment, share: 0.6}]"), "sum to 1.2, not 1"),
        (("variants: [control, treatment]", "variants: [control]"), "at least two"),
        (("end_ds: 2025-01-31", "end_ds: 2024-12-31"), "is before start_ds"),
        (("start_ds: 2025-01-05", "start_ds: tomorrow"), "start_ds must be a date"),
        (("cuts: [platform, guest__country]", "cuts: [platform, listing__market_name]"), "unknown cut 'listing__market_name'"),
        (("capping: {method: percentile, value: 0.95}", "capping: {method: percentile, value: 95}"), "a fraction between 0 and 1"),
        (("correction: bonferroni", "correction: fdr"), "correction is one of holm, bonferroni, none"),
        (("sequential: true", "sequential: yes please"), "sequential is true or false"),
        (("owner: search-team", "owner: x\n    alpah: 0.1"), "unknown field 'alpah'"),
        (("key: new_search", "key: New Search"), "key must be lower-case"),
        (("owner: search-team", "owner: ann@stayhub.example"), "owner holds an email address"),
    ],
)
def test_mistakes_are_named_where_they_were_made(project, change, message):
    text = mistake(project, GOOD.replace(*change))
    assert text.startswith("experiments/mine.yml:")
    assert message in text


def test_a_key_used_twice_names_both_places(project):
    (project / "experiments" / "a.yml").write_text(GOOD)
    (project / "experiments" / "b.yml").write_text(GOOD)
    with pytest.raises(DefinitionError) as raised:
        load_experiments(project, load_catalogue(load_definitions(project)))
    assert str(raised.value).startswith("experiments/b.yml:3: experiments[0].key")
    assert "experiment key 'new_search' is used twice (also in experiments/a.yml:3" in str(raised.value)


def test_check_fails_with_the_mistake(project, monkeypatch, capsys):
    monkeypatch.setattr("stayhub.project.PROJECT_ROOT", project)
    (project / "experiments" / "broken.yml").write_text(GOOD.replace("page_views,", "page_veiws,"))
    assert cli.main(["check"]) == 1
    assert "unknown metric 'page_veiws'" in capsys.readouterr().err
