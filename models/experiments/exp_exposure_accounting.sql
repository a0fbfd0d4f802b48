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
        lines.ds,
        lines.experiment_key,
        sum(case
            when lines.line_status = 'accepted' and variants.variant is not null
                and (cast(lines.assigned_at as date) < experiments.start_ds or cast(lines.assigned_at as date) > experiments.end_ds)
                then 1 else 0
        end) as exposures_outside_dates,
        sum(case when lines.line_status = 'accepted' and variants.variant is null then 1 else 0 end) as exposures_unknown_variant,
        sum(case when lines.line_status = 'duplicate' then 1 else 0 end) as duplicate_deliveries
    from {{ ref('base_assignments__lines') }} as lines
    inner join experiments on lines.experiment_key = experiments.experiment_key
    left join variants
        on
            lines.experiment_key = variants.experiment_key
            and lines.variant = variants.variant
    where
        lines.ds <= {{ ds_literal(window.end_ds) }}
        {%- if has_seed %}
        and lines.ds >= {{ ds_literal(first_ds) }}
        {%- endif %}
    group by lines.ds, lines.experiment_key
),

landed_to_date as (
    select
        days.ds,
        experiments.experiment_key,
        {%- for column in ['exposures_outside_dates', 'exposures_unknown_variant', 'duplicate_deliveries'] %}
        {%- if has_seed %}
        coalesce(max(seed.{{ column }}), 0) + coalesce(sum(landed.{{ column }}), 0) as {{ column }}{{ ',' if not loop.last }}
        {%- else %}
        coalesce(sum(landed.{{ column }}), 0) as {{ column }}{{ ',' if not loop.last }}
        {%- endif %}
        {%- endfor %}
    from days
    cross join experiments
    left join landed
        on
            experiments.experiment_key = landed.experiment_key
            and landed.ds <= days.ds
    {%- if has_seed %}
    left join {{ this }} as seed
        on
            experiments.experiment_key = seed.experiment_key
            and seed.ds = {{ ds_literal(seed_ds) }}
    {%- endif %}
    group by days.ds, experiments.experiment_key
),

final as (
    select
        landed_to_date.ds,
        landed_to_date.experiment_key,
        {%- for column in ['users_exposed', 'users_contaminated', 'users_analysed', 'exposures_first', 're_exposures'] %}
        cast(coalesce(users.{{ column }}, 0) as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        {%- for column in ['exposures_outside_dates', 'exposures_unknown_variant', 'duplicate_deliveries'] %}
        cast(landed_to_date.{{ column }} as {{ dbt.type_bigint() }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from landed_to_date
    left join users
        on
            landed_to_date.ds = users.ds
            and landed_to_date.experiment_key = users.experiment_key
)

select * from final
