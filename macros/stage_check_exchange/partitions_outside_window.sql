{#-
    A published table's partitions outside first_ds .. last_ds, as
    {ds: rows} ('null' for rows without a ds); {} when the relation is none or
    not a table. What an exchange of that window must leave as it was.
-#}
{% macro partitions_outside_window(relation, first_ds, last_ds) %}
    {%- if relation is none or relation.type != 'table' -%}
        {{ return({}) }}
    {%- endif -%}
    {#- Grouped by the date itself, then cast: grouping by its text costs about 8 times as much. #}
    {%- set rows = run_query(
        "select coalesce(cast(ds as " ~ dbt.type_string() ~ "), 'null') as ds, row_count from ("
        ~ " select ds, count(*) as row_count from " ~ relation
        ~ " where ds is null or ds < " ~ ds_literal(first_ds) ~ " or ds > " ~ ds_literal(last_ds) ~ " group by ds"
        ~ ") as partitions order by 1"
    ) -%}
    {%- set partitions = {} -%}
    {%- for row in rows -%}
        {%- do partitions.update({row[0] | string: row[1] | int}) -%}
    {%- endfor -%}
    {{ return(partitions) }}
{% endmacro %}


{#- A list of partitions for a message: all of them up to 8, else the first 4, the last 2 and how many between. -#}
{% macro _partition_list(items) %}
    {%- if items | length <= 8 -%}
        {{ return(items | join(', ')) }}
    {%- endif -%}
    {{ return(items[:4] | join(', ') ~ ", ... (" ~ (items | length - 6) ~ " more), " ~ items[-2:] | join(', ')) }}
{% endmacro %}
