{#- Every ds from start_ds to end_ds (inclusive), as 'YYYY-MM-DD' strings. -#}
{% macro ds_range(start_ds, end_ds) %}
    {%- set start = modules.datetime.date.fromisoformat(start_ds | string) -%}
    {%- set end = modules.datetime.date.fromisoformat(end_ds | string) -%}
    {%- set days = [] -%}
    {%- for offset in range((end - start).days + 1) -%}
        {%- do days.append((start + modules.datetime.timedelta(days=offset)).isoformat()) -%}
    {%- endfor -%}
    {{ return(days) }}
{% endmacro %}
