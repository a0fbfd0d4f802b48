{#-
    How each experiment's exposure log was used, as of each ds: users
    exposed, contaminated (exposed to two variants: excluded) and analysed;
    exposures that counted (first), re-exposures (not first), and, landed
    up to ds, exposures outside the experiment's dates or to an undeclared
    variant (ignored) and duplicate deliveries (dropped in base).
    Incremental: the partition before the window plus the window's landings.
-#}
{%- set window = ds_window() -%}
{%- set first_ds = ds_shift(window.start_ds, -partition_lookback_days()) -%}
{%- set seed_ds = ds_shift(first_ds, -1) -%}
{%- set has_seed = is_incremental() and partition_has_rows(this, seed_ds) -%}

with

experiments as (
    select distinct
        experiment_key,
        start_ds,
        end_ds
    from {{ ref('exp_definitions') }}
),

variants as (
    select distinct
        experiment_key,
        variant
    from {{ ref('exp_definitions') }}
),

days as (
    {{ ds_days(first_ds, window.end_ds) }}
),

users as (
    select
        ds,
        experiment_key,
        count(*) as users_exposed,
        sum(case when is_contaminated then 1 else 0 end) as users_contaminated,
        sum(case when is_contaminated then 0 else 1 end) as users_analysed,
        count(*) as exposures_first,
        sum(m_exposures) - count(*) as re_exposures
    from {{ ref('exp_assignments') }}
    where {{ ds_in_window('ds', partition_lookback_days()) }}
    group by ds, experiment_key
),

{#- Exposures and duplicates landed per ds, of the declared experiments. -#}
landed as (
    select
        landed_lines.ds,
        landed_lines.experiment_key,
        sum(case
            when
                landed_lines.line_status = 'accepted' and variants.variant is not null
                and (cast(landed_lines.assigned_at as date) < experiments.start_ds or cast(landed_lines.assigned_at as date) > experiments.end_ds)
                then 1
            else 0
        end) as exposures_outside_dates,
        sum(case when landed_lines.line_status = 'accepted' and variants.variant is null then 1 else 0 end) as exposures_unknown_variant,
        sum(case when landed_lines.line_status = 'duplicate' then 1 else 0 end) as duplicate_deliveries
    from {{ ref('base_assignments__lines') }} as landed_lines
    inner join experiments on landed_lines.experiment_key = experiments.experiment_key
    left join variants
        on
            landed_lines.experiment_key = variants.experiment_key
            and landed_lines.variant = variants.variant
    where
        landed_lines.ds between {{ ds_literal(first_ds if has_seed else '0001-01-01') }} and {{ ds_literal(window.end_ds) }}
    group by landed_lines.ds, landed_lines.experiment_key
),

{#- What was landed up to the partition before the window (none on a first build). -#}
seed as (
    {%- if has_seed %}
        select
            experiment_key,
            exposures_outside_dates,
            exposures_unknown_variant,
            duplicate_deliveries
        from {{ this }}
        where ds = {{ ds_literal(seed_ds) }}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as experiment_key,
            cast(null as {{ dbt.type_bigint() }}) as exposures_outside_dates,
            cast(null as {{ dbt.type_bigint() }}) as exposures_unknown_variant,
            cast(null as {{ dbt.type_bigint() }}) as duplicate_deliveries
        where 1 = 0
    {%- endif %}
),

landed_to_date as (
    select
        days.ds,
        experiments.experiment_key,
        coalesce(max(seed.exposures_outside_dates), 0) + coalesce(sum(landed.exposures_outside_dates), 0) as exposures_outside_dates,
        coalesce(max(seed.exposures_unknown_variant), 0) + coalesce(sum(landed.exposures_unknown_variant), 0) as exposures_unknown_variant,
        coalesce(max(seed.duplicate_deliveries), 0) + coalesce(sum(landed.duplicate_deliveries), 0) as duplicate_deliveries
    from days
    cross join experiments
    left join landed
        on
            experiments.experiment_key = landed.experiment_key
            and days.ds >= landed.ds
    left join seed on experiments.experiment_key = seed.experiment_key
    group by days.ds, experiments.experiment_key
),

final as (
    select
        landed_to_date.ds,
        landed_to_date.experiment_key,
        cast(coalesce(users.users_exposed, 0) as {{ dbt.type_bigint() }}) as users_exposed,
        cast(coalesce(users.users_contaminated, 0) as {{ dbt.type_bigint() }}) as users_contaminated,
        cast(coalesce(users.users_analysed, 0) as {{ dbt.type_bigint() }}) as users_analysed,
        cast(coalesce(users.exposures_first, 0) as {{ dbt.type_bigint() }}) as exposures_first,
        cast(coalesce(users.re_exposures, 0) as {{ dbt.type_bigint() }}) as re_exposures,
        cast(landed_to_date.exposures_outside_dates as {{ dbt.type_bigint() }}) as exposures_outside_dates,
        cast(landed_to_date.exposures_unknown_variant as {{ dbt.type_bigint() }}) as exposures_unknown_variant,
        cast(landed_to_date.duplicate_deliveries as {{ dbt.type_bigint() }}) as duplicate_deliveries
    from landed_to_date
    left join users
        on
            landed_to_date.ds = users.ds
            and landed_to_date.experiment_key = users.experiment_key
)

select * from final
