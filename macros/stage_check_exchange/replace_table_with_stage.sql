{#-
    First build or full refresh: the staged rows become the whole production
    table in one atomic step.
-#}
{% macro replace_table_with_stage(target, stage, existing) %}
    {{- return(adapter.dispatch('replace_table_with_stage')(target, stage, existing)) -}}
{% endmacro %}

{#- Drop and create in the materialization's one transaction. -#}
{% macro default__replace_table_with_stage(target, stage, existing) %}
    {%- if existing is not none %}
    drop {{ existing.type }} if exists {{ existing }};
    {%- endif %}
    create table {{ target }} as select * from {{ stage }};
{%- endmacro %}


{#- Spark: drop, then a new table partitioned by ds; two statements, and a re-run after a failure between them rebuilds it. -#}
{% macro spark__replace_table_with_stage(target, stage, existing) %}
    {%- if existing is not none %}
    drop {{ existing.type }} if exists {{ existing }};
    {%- endif %}
    {{ create_partitioned_table_as(target, 'select * from ' ~ stage) }}
{%- endmacro %}
