{#- Each space-separated word with an upper-case first letter and the rest lower case. -#}
{% macro title_case(expr) %}
    {{- return(adapter.dispatch('title_case')(expr)) -}}
{% endmacro %}

{% macro default__title_case(expr) -%}
    initcap({{ expr }})
{%- endmacro %}

{% macro duckdb__title_case(expr) -%}
    array_to_string(
        list_transform(string_split(lower({{ expr }}), ' '), lambda word: upper(left(word, 1)) || substr(word, 2)),
        ' '
    )
{%- endmacro %}
