{#-
    Check: a SQL expression holds. scope: row (default) - `expression` holds
    for every row (observed: rows where it does not); scope: partition -
    `expression` is an aggregate predicate over the partition's rows, such as
    "sum(m_page_views) > 0", evaluated over the partition's rows (none for
    an empty partition: write coalesce(avg(...), 0) to pass on empty days;
    observed: 1 when it holds).
-#}
{% macro partition_check_expression(stage, published, first_ds, last_ds, check) %}
    {%- set scope = check.get('scope', 'row') -%}
    {%- if scope == 'row' -%}
    select
        days.ds,
        count(staged.ds) as observed_value,
        'every row: {{ check.expression | replace("'", "''") }}' as threshold,
        count(staged.ds) = 0 as passed
    from ({{ ds_days(first_ds, last_ds) }}) as days
    left join {{ stage }} as staged
        on
            days.ds = staged.ds
            and not coalesce(({{ check.expression }}), false)
    group by days.ds
    {%- elif scope == 'partition' -%}
    {#- The expression is evaluated over the partition's rows, none for an empty partition. -#}
    select
        days.ds,
        case when coalesce(days.passed, false) then 1 else 0 end as observed_value,
        'partition: {{ check.expression | replace("'", "''") }}' as threshold,
        coalesce(days.passed, false) as passed
    from (
        select
            check_days.ds,
            (
                select ({{ check.expression }})
                from {{ stage }} as staged
                where staged.ds = check_days.ds
            ) as passed
        from ({{ ds_days(first_ds, last_ds) }}) as check_days
    ) as days
    {%- else -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": expression check scope must be row or partition, got '" ~ scope ~ "'") }}
    {%- endif -%}
{% endmacro %}
