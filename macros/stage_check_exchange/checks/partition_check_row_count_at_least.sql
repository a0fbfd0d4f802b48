{#- Check: every partition holds at least `min_rows` rows (an empty day fails with min_rows: 1). -#}
{% macro partition_check_row_count_at_least(stage, published, first_ds, last_ds, check) %}
    {%- set min_rows = check.get('min_rows', 1) | int -%}
    select
        days.ds,
        count(staged.ds) as observed_value,
        '>= {{ min_rows }} rows' as threshold,
        count(staged.ds) >= {{ min_rows }} as passed
    from ({{ ds_days(first_ds, last_ds) }}) as days
    left join {{ stage }} as staged
        on days.ds = staged.ds
    group by days.ds
{% endmacro %}
