"""history_as_of_join reads a daily snapshot's one partition where a type-2 history says it is one
(meta.history_of), and must give the very version the history's range join gives, for every entity
and date: before the first snapshot, on every snapshot day, after the latest, a null date, an
unknown key, an entity absent on some days."""

from __future__ import annotations

import pytest

HISTORIES = {
    "dim_users_history": ("dim_users", "id_user", ["dim_country", "dim_user_status", "dim_booking_stage", "is_host"]),
    "dim_listings_history": ("dim_listings", "id_listing", ["id_market", "dim_room_type", "dim_nightly_price_usd", "is_active"]),
    "dim_markets_history": ("dim_markets", "id_market", ["dim_market", "dim_region", "is_reference_market"]),
}


def as_of_comparison(history: str, snapshot: str, key: str, columns: list[str]) -> str:
    """Rows of the as-of join missing from the range join and the other way round, plus what was probed."""
    selected = ", ".join(f"history.{column}" for column in columns)
    versions = ", ".join(f"versions.{column}" for column in columns)
    mapping = "{" + ", ".join(f"'{column}': '{column}'" for column in columns) + "}"
    return f"""
    select '{history}' as history, * from (
        with
        probes as (
            select keys.entity_key, days.as_of
            from (
                select distinct {key} as entity_key from {{{{ ref('{snapshot}') }}}}
                union all select null
            ) as keys
            cross join (
                select distinct ds as as_of from {{{{ ref('{snapshot}') }}}}
                union all select cast({{{{ dbt.dateadd('day', -1, 'min(ds)') }}}} as date) from {{{{ ref('{snapshot}') }}}}
                union all select cast({{{{ dbt.dateadd('day', 3, 'max(ds)') }}}} as date) from {{{{ ref('{snapshot}') }}}}
                union all select cast(null as date)
            ) as days
        ),
        via_join as (
            select probes.entity_key, probes.as_of, {selected}
            from probes
            {{{{ history_as_of_join(ref('{history}'), 'history', {mapping}, '{key}', foreign_key='probes.entity_key', as_of='probes.as_of') }}}}
        ),
        via_versions as (
            select probes.entity_key, probes.as_of, {versions}
            from probes
            left join {{{{ ref('{history}') }}}} as versions
                on
                    probes.entity_key = versions.{key}
                    and probes.as_of >= versions.valid_from
                    and (probes.as_of < versions.valid_to or versions.valid_to is null)
        ),
        only_join as (select * from via_join except all select * from via_versions),
        only_versions as (select * from via_versions except all select * from via_join)
        select
            (select count(*) from probes) as probes,
            (select count(*) from via_join where {columns[0]} is not null) as matched,
            (select count(*) from only_join) as only_join,
            (select count(*) from only_versions) as only_versions,
            (select count(*) from {{{{ ref('{history}') }}}} where version_number > 1) as later_versions,
            (select count(*) from {{{{ ref('{history}') }}}} where valid_to is not null) as closed_versions
    ) as compared
    """


def test_the_as_of_join_reads_the_snapshot_and_finds_the_same_version_as_the_range_join(sample_warehouse):
    query = "\nunion all\n".join(as_of_comparison(history, *shape) for history, shape in HISTORIES.items())
    compiled = sample_warehouse.dbt("--quiet", "compile", "--inline", query).stdout
    # Each as-of join read its snapshot, not the view.
    joins = [part.split("via_versions as (")[0] for part in compiled.split("via_join as (")[1:]]
    for join, (history, (snapshot, _key, _columns)) in zip(joins, HISTORIES.items(), strict=True):
        assert f'"{history}"' not in join and f'"{snapshot}"' in join, history
    results = {row[0]: row[1:] for row in sample_warehouse.query(compiled)}
    assert set(results) == set(HISTORIES)
    for history, (probes, matched, only_join, only_versions, *_versions) in results.items():
        assert (only_join, only_versions) == (0, 0), history
        assert probes > 0 and matched > 0, history
    # The sample changes users and listings, so the comparison covers entities with more than one version.
    assert results["dim_users_history"][4] > 0
    assert results["dim_listings_history"][4] > 0 or results["dim_listings_history"][5] > 0


def test_a_history_whose_meta_names_no_model_is_refused(sample_warehouse, tmp_path):
    query = (
        "{% set node = graph.nodes['model.stayhub_warehouse.dim_users_history'] %}"
        "{% do node.config.meta.update({'history_of': {'snapshot': 'no_such_model', 'entity_key': 'id_user'}}) %}"
        "select 1 as id_user from (select 1 as id_user, current_date as as_of) as probes"
        " {{ history_as_of_join(ref('dim_users_history'), 'history', {'dim_country': 'dim_country'}, 'id_user',"
        " foreign_key='probes.id_user', as_of='probes.as_of') }}"
    )
    result = sample_warehouse.dbt("compile", "--inline", query, check=False)
    assert result.returncode != 0
    assert "dim_users_history: meta.history_of.snapshot 'no_such_model' is not a model of stayhub_warehouse" in result.stdout


@pytest.mark.parametrize("valid_from", ["valid_from", "cast(valid_from as date)"])
def test_a_join_on_other_validity_expressions_keeps_the_range_join(sample_warehouse, valid_from):
    query = (
        "select 1 from (select 1 as id_user, current_date as as_of) as probes"
        " {{ history_as_of_join(ref('dim_users_history'), 'history', {'version': 'version_number'}, 'id_user',"
        f" foreign_key='probes.id_user', as_of='probes.as_of', valid_from=\"{valid_from}\") }}}}"
    )
    compiled = sample_warehouse.dbt("--quiet", "compile", "--inline", query).stdout
    assert '"dim_users_history"' in compiled and "__latest" not in compiled
