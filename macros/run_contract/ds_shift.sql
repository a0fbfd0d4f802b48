{#- A validated 'YYYY-MM-DD' ds moved by a whole number of days. -#}
{% macro ds_shift(ds, days) %}
    {%- set shifted = modules.datetime.date.fromisoformat(ds | string) + modules.datetime.timedelta(days=days | int) -%}
    {{ return(shifted.isoformat()) }}
{% endmacro %}
