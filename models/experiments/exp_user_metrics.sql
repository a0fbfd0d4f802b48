{#-
    Each analysed user's metric values as of each ds: one row per ds,
    experiment, user (exposed, not contaminated) and metric. m_value is the
    user's total of the metric from the day of first exposure up to ds (or
    the experiment's end_ds), m_pre_value its total over the 7 days before
    that day (the covariate of CUPED); a user without activity has 0.
    Incremental: the partition before the window carries each user's totals
    (when their first exposure is unchanged) plus the window's daily values;
    a user new in the window reads its daily values from 7 days before its
    first exposure, so no run rescans the experiment's history. Sums are
    exact (numeric), so a daily run and a range run give the same values.
-#}
{%- set window = ds_window() -%}
{%- set first_ds = ds_shift(window.start_ds, -partition_lookback_days()) -%}
{%- set seed_ds = ds_shift(first_ds, -1) -%}
{%- set has_seed = is_incremental() and partition_has_rows(this, seed_ds) -%}
{%- set pre_period_days = 7 -%}
{%- set reads_from = _experiment_daily_values_from(first_ds, window.end_ds, seed_ds, has_seed, pre_period_days) -%}

with

users as (
    select
        ds,
        experiment_key,
        id_user,
        variant,
        first_exposure_ds
    from {{ ref('exp_assignments') }}
    where {{ ds_in_window('ds', partition_lookback_days()) }} and not is_contaminated
),

metrics as (
    select distinct
        experiment_key,
        metric,
        end_ds
    from {{ ref('exp_definitions') }}
),

daily as (
    select
        ds,
        id_user,
        metric,
        m_value
    from {{ ref('exp_user_daily_metrics') }}
    where ds between {{ ds_literal(reads_from) }} and {{ ds_literal(window.end_ds) }}
),

{#- Each user's totals as of the partition before the window (none on a first build). -#}
seed as (
    {%- if has_seed %}
        select
            experiment_key,
            id_user,
            metric,
            first_exposure_ds,
            m_value,
            m_pre_value
        from {{ this }}
        where ds = {{ ds_literal(seed_ds) }}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as experiment_key,
            cast(null as {{ dbt.type_bigint() }}) as id_user,
            cast(null as {{ dbt.type_string() }}) as metric,
            cast(null as date) as first_exposure_ds,
            cast(null as {{ type_double() }}) as m_value,
            cast(null as {{ type_double() }}) as m_pre_value
        where 1 = 0
    {%- endif %}
),

user_metrics as (
    select
        users.*,
        metrics.metric,
        metrics.end_ds,
        seed.m_value as seed_value,
        seed.m_pre_value as seed_pre_value,
        seed.id_user is not null as is_carried
    from users
    inner join metrics on users.experiment_key = metrics.experiment_key
    left join seed
        on
            users.experiment_key = seed.experiment_key
            and users.id_user = seed.id_user
            and users.first_exposure_ds = seed.first_exposure_ds
            and metrics.metric = seed.metric
),

totals as (
    select
        user_metrics.ds,
        user_metrics.experiment_key,
        user_metrics.id_user,
        user_metrics.metric,
        sum(case
            when
                daily.ds >= case when user_metrics.is_carried then {{ ds_literal(first_ds) }} else user_metrics.first_exposure_ds end
                and (user_metrics.end_ds is null or daily.ds <= user_metrics.end_ds)
                then cast(daily.m_value as {{ dbt.type_numeric() }})
            else 0
        end) as window_value,
        sum(case
            when not user_metrics.is_carried and daily.ds < user_metrics.first_exposure_ds
                then cast(daily.m_value as {{ dbt.type_numeric() }})
            else 0
        end) as pre_value
    from user_metrics
    inner join daily
        on
            user_metrics.id_user = daily.id_user
            and user_metrics.metric = daily.metric
            and user_metrics.ds >= daily.ds
            and daily.ds >= {{ dbt.dateadd('day', -pre_period_days, 'user_metrics.first_exposure_ds') }}
    group by user_metrics.ds, user_metrics.experiment_key, user_metrics.id_user, user_metrics.metric
),

final as (
    select
        user_metrics.ds,
        user_metrics.experiment_key,
        user_metrics.id_user,
        user_metrics.variant,
        user_metrics.first_exposure_ds,
        user_metrics.metric,
        cast(
            coalesce(cast(user_metrics.seed_value as {{ dbt.type_numeric() }}), 0) + coalesce(totals.window_value, 0) as {{ type_double() }}
        ) as m_value,
        cast(case when user_metrics.is_carried then user_metrics.seed_pre_value else coalesce(totals.pre_value, 0) end as {{ type_double() }}) as m_pre_value
    from user_metrics
    left join totals
        on
            user_metrics.ds = totals.ds
            and user_metrics.experiment_key = totals.experiment_key
            and user_metrics.id_user = totals.id_user
            and user_metrics.metric = totals.metric
)

select * from final
