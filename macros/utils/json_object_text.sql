{#-
    `expr` itself (text) when it is a JSON object, else null: json_parse_object
    without making a JSON value, for text only read by json_get_text(s) and
    json_is_number.
-#}
{% macro json_object_text(expr) %}
    {{- return(adapter.dispatch('json_object_text')(expr)) -}}
{% endmacro %}

{% macro default__json_object_text(expr) -%}
    case when {{ json_parse_object(expr) }} is not null then {{ expr }} end
{%- endmacro %}

{#- The cast to JSON that json_parse_object makes parses the text a third time. -#}
{% macro duckdb__json_object_text(expr) -%}
    case when json_valid({{ expr }}) and json_type({{ expr }}) = 'OBJECT' then {{ expr }} end
{%- endmacro %}
