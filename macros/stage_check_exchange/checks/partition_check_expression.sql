{#-
    Check: a SQL expression holds. scope: row (default) - `expression` holds
    for every row (observed: rows where it does not); scope: partition -
    `expression` is an aggregate predicate over the partition's rows, such as
    "sum(m_page_views) > 0" (observed: 1 when it holds).
-#}
{% macro partition_check_expression(stage, published, first_ds, last_ds, check) %}
    {%- set scope = check.get('scope', 'row') -%}
    {%- if scope == 'row' -%}
    select
        days.ds,
        count(staged.ds) as observed_value,
        'every row: {{ check.expression | replace("'", "''") }}' as threshold,
        count(staged.ds) = 0 as passed
    from ({{ _check_days(first_ds, last_ds) }}) as days
    left join {{ stage }} as staged
        on
            days.ds = staged.ds
            and not coalesce(({{ check.expression }}), false)
    group by days.ds
    {%- elif scope == 'partition' -%}
    select
        days.ds,
        case when coalesce(holds.passed, false) then 1 else 0 end as observed_value,
        'partition: {{ check.expression | replace("'", "''") }}' as threshold,
        coalesce(holds.passed, false) as passed
    from ({{ _check_days(first_ds, last_ds) }}) as days
    left join (
        select
            ds,
            coalesce(({{ check.expression }}), false) as passed
        from {{ stage }}
        group by ds
    ) as holds
        on days.ds = holds.ds
    {%- else -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": expression check scope must be row or partition, got '" ~ scope ~ "'") }}
    {%- endif -%}
{% endmacro %}
