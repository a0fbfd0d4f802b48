"""The backfill plan: chunks, their size, levels and the partitions each chunk contributes."""

from __future__ import annotations

import pytest

from stayhub.backfill.plan import MAX_AUTO_CHUNK_DAYS, Chunk, Plan, auto_days_per_chunk, build_plan, describe, split_chunks
from stayhub.backfill.publish import in_days, kept_days, published_days


def node(name, materialized="partitioned", parents=(), **meta):
    return {
        "name": name,
        "schema": "s",
        "alias": name,
        "config": {"materialized": materialized, "meta": meta},
        "depends_on": {"nodes": [f"model.p.{parent}" if not parent.startswith("source.") else parent for parent in parents]},
    }


# lines -> clean (view) -> fact -> cumulative; lines -> snapshot -> dimension; other is outside the job.
NODES = {
    "lines": node("lines", parents=["source.p.landing.events"], depends_on_past=4),
    "clean": node("clean", materialized="view", parents=["lines"]),
    "fact": node("fact", parents=["clean"], rewrites_late_partitions=True),
    "cumulative": node("cumulative", parents=["fact"], depends_on_past=True, rewrites_late_partitions=True),
    "snapshot": node("snapshot", parents=["clean"], depends_on_past=True),
    "dimension": node("dimension", parents=["snapshot", "lines"]),
    "other": node("other", parents=["fact"]),
}
MANIFEST = {
    "nodes": {f"model.p.{name}": item for name, item in NODES.items()},
    "child_map": {f"model.p.{name}": [f"model.p.{n}" for n, other in NODES.items() if f"model.p.{name}" in other["depends_on"]["nodes"]] for name in NODES},
}


def plan_of(names, start="2025-01-01", end="2025-01-10", days=4) -> Plan:
    return build_plan("job", start, end, days, 2, {"lookback_days": 3}, {f"model.p.{name}" for name in names}, MANIFEST)


def test_chunks_cover_the_range_once_in_order():
    assert split_chunks("2025-01-30", "2025-02-05", 3) == [
        Chunk(1, "2025-01-30", "2025-02-01"),
        Chunk(2, "2025-02-02", "2025-02-04"),
        Chunk(3, "2025-02-05", "2025-02-05"),
    ]
    assert split_chunks("2025-01-01", "2025-01-01", 7) == [Chunk(1, "2025-01-01", "2025-01-01")]


def test_unless_told_a_chunk_is_the_whole_range_up_to_a_month_and_longer_ranges_split_evenly():
    assert auto_days_per_chunk("2025-01-01", "2025-01-28") == 28
    assert auto_days_per_chunk("2025-01-01", "2025-01-01") == 1
    assert auto_days_per_chunk("2025-01-01", "2025-01-31") == MAX_AUTO_CHUNK_DAYS == 31
    # 32 days: two chunks of 16, not 31 and 1.
    assert auto_days_per_chunk("2025-01-01", "2025-02-01") == 16
    assert auto_days_per_chunk("2025-01-01", "2025-12-31") == 31
    plan = build_plan("job", "2025-01-01", "2025-02-01", None, 2, {}, {"model.p.lines"}, MANIFEST)
    assert [(chunk.start_ds, chunk.end_ds) for chunk in plan.chunks] == [("2025-01-01", "2025-01-16"), ("2025-01-17", "2025-02-01")]
    assert plan_of(["lines"], days=4).days_per_chunk == 4


def test_levels_wait_for_upstream_and_every_chunk_runs_them_all():
    plan = plan_of(["lines", "clean", "fact", "cumulative", "snapshot", "dimension"])
    assert [level.models for level in plan.levels] == [["lines"], ["fact", "snapshot"], ["cumulative", "dimension"]]
    # The level that reads through the job's view names it; every chunk builds the job's views.
    assert plan.levels[1].views == ["clean"] and plan.view_relations == {"clean": "s.clean"} and plan.final_views == []
    assert plan.downstream == ["other"]
    text = describe(plan)
    assert "3 chunk(s) of up to 4 days, parallelism 2" in text
    chunks = "1: 2025-01-01..2025-01-04, 2: 2025-01-05..2025-01-08, 3: 2025-01-09..2025-01-10"
    assert f"Chunks, in order, each one dbt run of the whole job in the backfill's build, away from production: {chunks}" in text
    assert "  2. fact, snapshot\n     each partition builds on the one before: snapshot\n     through views: clean" in text


def test_a_view_outside_the_job_still_orders_the_levels():
    plan = plan_of(["lines", "fact"])
    assert [level.models for level in plan.levels] == [["lines"], ["fact"]]
    assert plan.levels[1].views == [] and plan.view_relations == {}


def test_a_job_without_partitioned_models_is_refused():
    with pytest.raises(SystemExit, match="no partitioned model"):
        plan_of(["clean"])


def test_bad_depends_on_past_is_named():
    manifest = {"nodes": {"model.p.bad": node("bad", depends_on_past="often")}, "child_map": {}}
    with pytest.raises(SystemExit, match="bad: meta.depends_on_past"):
        build_plan("job", "2025-01-01", "2025-01-02", 1, 1, {}, {"model.p.bad"}, manifest)


def test_each_chunk_contributes_its_days_and_the_late_partitions_before_it():
    plan = plan_of(["lines", "fact"])
    fact, lines = plan.models["fact"], plan.models["lines"]
    first, second = plan.chunks[0], plan.chunks[1]
    assert kept_days(plan, lines, second) == ["2025-01-05", "2025-01-06", "2025-01-07", "2025-01-08"]
    # A later chunk rewrites the late partitions of the one before, as a range run would.
    assert kept_days(plan, fact, second)[:3] == ["2025-01-02", "2025-01-03", "2025-01-04"]
    assert kept_days(plan, fact, first)[0] == "2024-12-29"
    assert published_days(plan, fact)[0] == "2024-12-29" and published_days(plan, fact)[-1] == "2025-01-10"


def test_stale_mode_publishes_exactly_the_stale_partitions():
    plan = plan_of(["lines", "fact"])
    plan.publish = {"fact": ["2025-01-03", "2025-01-05"]}
    assert published_days(plan, plan.models["fact"]) == ["2025-01-03", "2025-01-05"]
    assert published_days(plan, plan.models["lines"]) == []


def test_plan_survives_its_state_file():
    plan = plan_of(["lines", "clean", "fact", "cumulative"])
    assert Plan.from_json(plan.to_json()) == plan
    # A state file of the older runner, whose levels split parallel from ordered models, still loads.
    old = plan.to_json()
    old["levels"] = [
        {"index": 1, "parallel": ["lines"], "sequential": [], "views": [], "lookback_days": 4},
        {"index": 2, "parallel": ["fact"], "sequential": ["cumulative"], "views": ["clean"], "lookback_days": 0},
    ]
    assert [level.models for level in Plan.from_json(old).levels] == [["lines"], ["cumulative", "fact"]]


def test_day_predicates():
    assert in_days(["2025-01-01", "2025-01-02"]) == "ds between date '2025-01-01' and date '2025-01-02'"
    assert in_days(["2025-01-01", "2025-01-03"]) == "ds in (date '2025-01-01', date '2025-01-03')"
