{#- `expr` parsed as a JSON object; null when it is not valid JSON or not an object. -#}
{% macro json_parse_object(expr) %}
    {{- return(adapter.dispatch('json_parse_object')(expr)) -}}
{% endmacro %}

{% macro default__json_parse_object(expr) -%}
    case when trim({{ expr }}) like '{{ "{" }}%' then {{ expr }} end
{%- endmacro %}

{% macro duckdb__json_parse_object(expr) -%}
    case when json_valid({{ expr }}) and json_type({{ expr }}) = 'OBJECT' then cast({{ expr }} as json) end
{%- endmacro %}

{#- Spark: strict JSON, as DuckDB's json_valid: Spark's parser otherwise takes 'single quotes' and NaN. -#}
{% macro spark__json_parse_object(expr) -%}
    case
        when from_json(
            {{ expr }}, 'map<string,string>', map('allowSingleQuotes', 'false', 'allowNonNumericNumbers', 'false')
        ) is not null
            then {{ expr }}
    end
{%- endmacro %}
