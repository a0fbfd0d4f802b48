{#-
    Each experiment's exposed users as of each ds: one row per ds,
    experiment and user exposed (by exposures landed up to ds) inside the
    experiment's dates to a declared variant. The first exposure counts: its
    instant, date and platform; a user exposed to two variants is
    contaminated (variant null) and left out of the analysis downstream.
    Duplicate deliveries never reach staging (base_assignments__lines).
    Incremental: the partition before the window plus the window's
    exposures; without it, every exposure landed up to the window's end.
-#}
{%- set window = ds_window() -%}
{%- set first_ds = ds_shift(window.start_ds, -partition_lookback_days()) -%}
{%- set seed_ds = ds_shift(first_ds, -1) -%}
{%- set has_seed = is_incremental() and partition_has_rows(this, seed_ds) -%}

with

variants as (
    select distinct
        experiment_key,
        variant,
        start_ds,
        end_ds
    from {{ ref('exp_definitions') }}
),

exposures as (
    select
        exposures.ds as landed_ds,
        exposures.experiment_key,
        exposures.id_user,
        exposures.variant,
        exposures.assigned_at,
        exposures.platform
    from {{ ref('stg_assignments__exposures') }} as exposures
    inner join variants
        on
            exposures.experiment_key = variants.experiment_key
            and exposures.variant = variants.variant
    where
        exposures.ds between {{ ds_literal(first_ds if has_seed else '0001-01-01') }} and {{ ds_literal(window.end_ds) }}
        and cast(exposures.assigned_at as date) >= variants.start_ds
        and (variants.end_ds is null or cast(exposures.assigned_at as date) <= variants.end_ds)
),

days as (
    {{ ds_days(first_ds, window.end_ds) }}
),

{#- The state of each user as of the partition before the window (none on a first build). -#}
seed as (
    {%- if has_seed %}
        select
            experiment_key,
            id_user,
            first_exposed_at,
            dim_platform,
            min_variant,
            max_variant,
            m_exposures
        from {{ this }}
        where ds = {{ ds_literal(seed_ds) }}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as experiment_key,
            cast(null as {{ dbt.type_bigint() }}) as id_user,
            cast(null as {{ dbt.type_timestamp() }}) as first_exposed_at,
            cast(null as {{ dbt.type_string() }}) as dim_platform,
            cast(null as {{ dbt.type_string() }}) as min_variant,
            cast(null as {{ dbt.type_string() }}) as max_variant,
            cast(null as {{ dbt.type_bigint() }}) as m_exposures
        where 1 = 0
    {%- endif %}
),

candidates as (
    select
        days.ds,
        seed.experiment_key,
        seed.id_user,
        seed.first_exposed_at as assigned_at,
        seed.dim_platform as platform,
        seed.min_variant,
        seed.max_variant,
        seed.m_exposures
    from seed
    cross join days
    union all
    select
        days.ds,
        exposures.experiment_key,
        exposures.id_user,
        exposures.assigned_at,
        exposures.platform,
        exposures.variant as min_variant,
        exposures.variant as max_variant,
        1 as m_exposures
    from exposures
    inner join days on exposures.landed_ds <= days.ds
),

ranked as (
    select
        *,
        row_number() over (partition by ds, experiment_key, id_user order by assigned_at, platform, min_variant) as exposure_rank,
        min(min_variant) over (partition by ds, experiment_key, id_user) as first_variant,
        max(max_variant) over (partition by ds, experiment_key, id_user) as last_variant,
        sum(m_exposures) over (partition by ds, experiment_key, id_user) as exposures_to_date
    from candidates
),

final as (
    select
        ds,
        experiment_key,
        id_user,
        case when first_variant = last_variant then first_variant end as variant,
        first_variant <> last_variant as is_contaminated,
        assigned_at as first_exposed_at,
        cast(assigned_at as date) as first_exposure_ds,
        platform as dim_platform,
        first_variant as min_variant,
        last_variant as max_variant,
        cast(exposures_to_date as {{ dbt.type_bigint() }}) as m_exposures
    from ranked
    where exposure_rank = 1
)

select * from final
