{#-
    Alerts as data, one row per cause and ds for monitoring to pick up:
    a sample-ratio mismatch (the split of an experiment's users differs
    from the declared one: SRM p-value under srm_alpha), or a guardrail
    metric significantly worse than control (after the multiple-testing
    adjustment). Over the whole experiment only (cut 'all'): the many cut
    values would raise false alarms; the report shows every cut.
-#}

with

results as (
    select * from {{ ref('exp_results') }}
    where {{ ds_in_window('ds', partition_lookback_days()) }}
),

settings as (
    select distinct
        experiment_key,
        srm_alpha
    from {{ ref('exp_definitions') }}
),

sample_ratio as (
    select distinct
        results.ds,
        results.experiment_key,
        cast('sample_ratio_mismatch' as {{ dbt.type_string() }}) as alert_type,
        cast(null as {{ dbt.type_string() }}) as metric,
        cast(null as {{ dbt.type_string() }}) as variant,
        results.cut_name,
        results.cut_value,
        results.srm_p_value as p_value,
        'users per variant differ from the declared split (chi-square '
        || cast(round(results.srm_chi_square, 2) as {{ dbt.type_string() }})
        || ', p below ' || cast(settings.srm_alpha as {{ dbt.type_string() }}) || ')' as detail
    from results
    inner join settings on results.experiment_key = settings.experiment_key
    where results.cut_name = 'all' and results.srm_p_value < settings.srm_alpha
),

guardrails as (
    select
        ds,
        experiment_key,
        cast('guardrail_worse' as {{ dbt.type_string() }}) as alert_type,
        metric,
        variant,
        cut_name,
        cut_value,
        p_value_adjusted as p_value,
        'guardrail ' || metric || ' is significantly worse in ' || variant || ' than in ' || control_variant
        || ' (relative lift ' || cast(round(100 * lift_rel, 2) as {{ dbt.type_string() }}) || '%)' as detail
    from results
    where cut_name = 'all' and is_guardrail and verdict = 'worse'
),

final as (
    select * from sample_ratio
    union all
    select * from guardrails
)

select * from final
