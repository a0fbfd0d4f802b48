{#-
    `expr` without the trailing characters in `characters` (a SQL string
    literal). Spark's two-argument rtrim takes them the other way round
    (rtrim(characters, expr)); the standard form reads the same everywhere.
-#}
{% macro rtrim_chars(expr, characters) %}
    {{- return(adapter.dispatch('rtrim_chars')(expr, characters)) -}}
{% endmacro %}

{% macro default__rtrim_chars(expr, characters) -%}
    rtrim({{ expr }}, {{ characters }})
{%- endmacro %}

{% macro spark__rtrim_chars(expr, characters) -%}
    trim(trailing {{ characters }} from {{ expr }})
{%- endmacro %}
