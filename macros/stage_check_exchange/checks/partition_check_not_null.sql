{#- Check: `column` is never null (observed: the null count). -#}
{% macro partition_check_not_null(stage, published, first_ds, last_ds, check) %}
    select
        days.ds,
        count(staged.ds) - count(staged.{{ check.column }}) as observed_value,
        '0 nulls in {{ check.column }}' as threshold,
        count(staged.ds) = count(staged.{{ check.column }}) as passed
    from ({{ ds_days(first_ds, last_ds) }}) as days
    left join {{ stage }} as staged
        on days.ds = staged.ds
    group by days.ds
{% endmacro %}
