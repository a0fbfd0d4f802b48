{#-
    The sufficient statistics of every experiment's results, as of each ds:
    one row per ds, experiment, metric, variant and cut value (cut 'all' is
    the whole experiment): users n, and over them the sums, sums of squares
    and cross-product of the metric value x and its pre-period value (the
    CUPED covariate), after capping. A percentile cap is the nearest-rank
    percentile of the non-zero values of the experiment's users on that ds
    (all variants together; zeros ignored, or a sparse metric's cap would be
    0), of x and of the pre-period value each; a value cap caps both. Every
    declared variant has a row for every cut value seen (n 0 when empty), so
    the sample-ratio test sees them all. Read by exp_results.
-#}

with

definitions as (
    select
        experiment_key,
        metric,
        max(capping_type) as capping_type,
        max(capping_value) as capping_value
    from {{ ref('exp_definitions') }}
    group by experiment_key, metric
),

variants as (
    select distinct
        experiment_key,
        variant
    from {{ ref('exp_definitions') }}
),

user_metrics as (
    select
        user_metrics.ds,
        user_metrics.experiment_key,
        user_metrics.metric,
        user_metrics.variant,
        user_metrics.id_user,
        user_metrics.m_value,
        user_metrics.m_pre_value,
        definitions.capping_type,
        definitions.capping_value,
        row_number() over (
            partition by user_metrics.ds, user_metrics.experiment_key, user_metrics.metric, user_metrics.m_value = 0
            order by user_metrics.m_value
        ) as value_rank,
        row_number() over (
            partition by user_metrics.ds, user_metrics.experiment_key, user_metrics.metric, user_metrics.m_pre_value = 0
            order by user_metrics.m_pre_value
        ) as pre_value_rank,
        sum(case when user_metrics.m_value <> 0 then 1 else 0 end)
            over (partition by user_metrics.ds, user_metrics.experiment_key, user_metrics.metric)
            as nonzero_values,
        sum(case when user_metrics.m_pre_value <> 0 then 1 else 0 end)
            over (partition by user_metrics.ds, user_metrics.experiment_key, user_metrics.metric)
            as nonzero_pre_values
    from {{ ref('exp_user_metrics') }} as user_metrics
    inner join definitions
        on
            user_metrics.experiment_key = definitions.experiment_key
            and user_metrics.metric = definitions.metric
    where {{ ds_in_window('user_metrics.ds', partition_lookback_days()) }}
),

{#- The nearest-rank percentile of the non-zero values: the smallest with at least that fraction of them at or below it. -#}
caps as (
    select
        ds,
        experiment_key,
        metric,
        min(case when m_value <> 0 and value_rank >= ceil(capping_value * nonzero_values) then m_value end) as value_cap,
        min(case when m_pre_value <> 0 and pre_value_rank >= ceil(capping_value * nonzero_pre_values) then m_pre_value end) as pre_value_cap
    from user_metrics
    where capping_type = 'percentile'
    group by ds, experiment_key, metric
),

capped as (
    select
        user_metrics.ds,
        user_metrics.experiment_key,
        user_metrics.metric,
        user_metrics.variant,
        user_metrics.id_user,
        case
            when user_metrics.capping_type = 'value' then least(user_metrics.m_value, user_metrics.capping_value)
            when user_metrics.capping_type = 'percentile' then least(user_metrics.m_value, coalesce(caps.value_cap, user_metrics.m_value))
            else user_metrics.m_value
        end as x_value,
        case
            when user_metrics.capping_type = 'value' then least(user_metrics.m_pre_value, user_metrics.capping_value)
            when user_metrics.capping_type = 'percentile' then least(user_metrics.m_pre_value, coalesce(caps.pre_value_cap, user_metrics.m_pre_value))
            else user_metrics.m_pre_value
        end as pre_value
    from user_metrics
    left join caps
        on
            user_metrics.ds = caps.ds
            and user_metrics.experiment_key = caps.experiment_key
            and user_metrics.metric = caps.metric
),

{#- Exact sums (numeric): the same rows give the same statistics whatever the order they are added in. -#}
exact as (
    select
        *,
        cast(x_value as {{ dbt.type_numeric() }}) as x,
        cast(pre_value as {{ dbt.type_numeric() }}) as pre
    from capped
),

cut_users as (
    select
        ds,
        experiment_key,
        id_user,
        cut_name,
        cut_value
    from {{ ref('exp_user_cuts') }}
    where {{ ds_in_window('ds', partition_lookback_days()) }}
),

statistics as (
    select
        exact.ds,
        exact.experiment_key,
        exact.metric,
        exact.variant,
        cut_users.cut_name,
        cut_users.cut_value,
        {{ sufficient_statistics('exact.x', 'exact.pre') }}
    from exact
    inner join cut_users
        on
            exact.ds = cut_users.ds
            and exact.experiment_key = cut_users.experiment_key
            and exact.id_user = cut_users.id_user
    group by exact.ds, exact.experiment_key, exact.metric, exact.variant, cut_users.cut_name, cut_users.cut_value
),

groups as (
    select distinct
        ds,
        experiment_key,
        metric,
        cut_name,
        cut_value
    from statistics
),

final as (
    select
        groups.ds,
        groups.experiment_key,
        groups.metric,
        variants.variant,
        groups.cut_name,
        groups.cut_value,
        cast(coalesce(statistics.n, 0) as {{ dbt.type_bigint() }}) as n,
        cast(coalesce(statistics.sum_x, 0) as {{ type_double() }}) as sum_x,
        cast(coalesce(statistics.sum_x2, 0) as {{ type_double() }}) as sum_x2,
        cast(coalesce(statistics.sum_pre, 0) as {{ type_double() }}) as sum_pre,
        cast(coalesce(statistics.sum_pre2, 0) as {{ type_double() }}) as sum_pre2,
        cast(coalesce(statistics.sum_x_pre, 0) as {{ type_double() }}) as sum_x_pre
    from groups
    inner join variants on groups.experiment_key = variants.experiment_key
    left join statistics
        on
            groups.ds = statistics.ds
            and groups.experiment_key = statistics.experiment_key
            and groups.metric = statistics.metric
            and variants.variant = statistics.variant
            and groups.cut_name = statistics.cut_name
            and groups.cut_value = statistics.cut_value
)

select * from final
