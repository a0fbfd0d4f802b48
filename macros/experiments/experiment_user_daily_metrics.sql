{#-
    Each experiment metric's value per user and ds (long: ds, id_user,
    metric, m_value), only where it is not zero. `plan` is a metric-table
    plan grouped by ds and the user (stayhub/experiments/generate.py), so the
    value is exactly what the metric's YAML defines, computed by the same
    metric_table macro as the global metric tables.
-#}
{% macro experiment_user_daily_metrics(plan) %}
    {%- if not plan.metrics %}
    select
        cast(null as date) as ds,
        cast(null as {{ dbt.type_bigint() }}) as id_user,
        cast(null as {{ dbt.type_string() }}) as metric,
        cast(null as {{ type_double() }}) as m_value
    where 1 = 0
    {%- else %}
    with

    per_user as (
        {{ metric_table(plan) }}
    ),

    final as (
        {%- for metric in plan.metrics %}
        select
            ds,
            id_user,
            cast({{ dbt.string_literal(metric.name) }} as {{ dbt.type_string() }}) as metric,
            cast({{ metric.column }} as {{ type_double() }}) as m_value
        from per_user
        where id_user is not null and {{ metric.column }} <> 0
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    )

    select * from final
    {%- endif %}
{% endmacro %}
