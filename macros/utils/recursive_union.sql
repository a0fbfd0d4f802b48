{#-
    The set operator joining the steps of a recursive CTE: union, which stops at
    a fixed point; Spark's recursive CTEs take only union all (the caller
    dedupes what it reads).
-#}
{% macro recursive_union() %}
    {{- return(adapter.dispatch('recursive_union')()) -}}
{% endmacro %}

{% macro default__recursive_union() -%}
    union
{%- endmacro %}

{% macro spark__recursive_union() -%}
    union all
{%- endmacro %}
