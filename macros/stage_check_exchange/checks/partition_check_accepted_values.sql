{#- Check: `column` only holds one of `values` (nulls pass; observed: rows with another value). -#}
{% macro partition_check_accepted_values(stage, published, first_ds, last_ds, check) %}
    {%- set literals = [] -%}
    {%- for value in check['values'] -%}
        {%- do literals.append("'" ~ (value | string | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    select
        days.ds,
        count(staged.ds) as observed_value,
        'values in ({{ check["values"] | join(", ") }})' as threshold,
        count(staged.ds) = 0 as passed
    from ({{ ds_days(first_ds, last_ds) }}) as days
    left join {{ stage }} as staged
        on
            days.ds = staged.ds
            and cast(staged.{{ check.column }} as {{ dbt.type_string() }}) not in ({{ literals | join(', ') }})
    group by days.ds
{% endmacro %}
