{#-
    Replaces partitions first_ds .. last_ds of `target` with the rows of
    `stage`, atomically: readers see the whole old or the whole new window.
-#}
{% macro exchange_partitions(target, stage, first_ds, last_ds) %}
    {{- return(adapter.dispatch('exchange_partitions')(target, stage, first_ds, last_ds)) -}}
{% endmacro %}

{#- Delete the window, insert the staged rows; the materialization runs both in one transaction. -#}
{% macro default__exchange_partitions(target, stage, first_ds, last_ds) %}
    {%- set columns = get_quoted_csv(adapter.get_columns_in_relation(stage) | map(attribute='name')) -%}
    delete from {{ target }}
    where ds between {{ ds_literal(first_ds) }} and {{ ds_literal(last_ds) }};
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ stage }};
{%- endmacro %}

{#- Spark: a dynamic partition overwrite of the staged partitions is one atomic commit per table. -#}
{% macro spark__exchange_partitions(target, stage, first_ds, last_ds) %}
    {%- set columns = get_quoted_csv(adapter.get_columns_in_relation(stage) | map(attribute='name')) -%}
    insert overwrite table {{ target }}
    partition (ds)
    select {{ columns }} from {{ stage }}
{%- endmacro %}
