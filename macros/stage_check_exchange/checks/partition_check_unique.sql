{#- Check: `columns` (a list) identify one row within each partition (observed: rows sharing a key with another). -#}
{% macro partition_check_unique(stage, published, first_ds, last_ds, check) %}
    {%- set columns = check.columns if check.columns is not string else [check.columns] -%}
    select
        days.ds,
        coalesce(sum(repeated.row_count), 0) as observed_value,
        '0 repeated ({{ columns | join(", ") }})' as threshold,
        coalesce(sum(repeated.row_count), 0) = 0 as passed
    from ({{ ds_days(first_ds, last_ds) }}) as days
    left join (
        select
            ds,
            count(*) as row_count
        from {{ stage }}
        group by ds, {{ columns | join(', ') }}
        having count(*) > 1
    ) as repeated
        on days.ds = repeated.ds
    group by days.ds
{% endmacro %}
