{#-
    The values of top-level `keys` of a JSON object as an array of text, in the
    order of `keys`, each as json_get_text gives it: read it with
    array_element(..., position). DuckDB parses the object once for all keys,
    where one json_get_text per key parses it once per key.
-#}
{% macro json_get_texts(json_expr, keys) %}
    {%- for key in keys -%}
        {%- if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', key) -%}
            {{ exceptions.raise_compiler_error("json_get_texts: key '" ~ key ~ "' must be a plain identifier") }}
        {%- endif -%}
    {%- endfor -%}
    {{- return(adapter.dispatch('json_get_texts')(json_expr, keys)) -}}
{% endmacro %}

{% macro default__json_get_texts(json_expr, keys) -%}
    {%- set texts = [] -%}
    {%- for key in keys -%}
        {%- do texts.append(json_get_text(json_expr, key)) -%}
    {%- endfor -%}
    {{ array_of(texts) }}
{%- endmacro %}

{% macro duckdb__json_get_texts(json_expr, keys) -%}
    json_extract_string({{ json_expr }}, ['$.{{ keys | join("', '$.") }}'])
{%- endmacro %}
