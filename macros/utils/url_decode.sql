{#- Percent-decoding of a URL part (`%2F` is `/`, `%C3%A3` is `ã`). -#}
{% macro url_decode(expr) %}
    {{- return(adapter.dispatch('url_decode')(expr)) -}}
{% endmacro %}

{% macro default__url_decode(expr) -%}
    url_decode({{ expr }})
{%- endmacro %}

{% macro duckdb__url_decode(expr) -%}
    coalesce(try(url_decode({{ expr }})), {{ expr }})
{%- endmacro %}

{% macro spark__url_decode(expr) -%}
    coalesce(try_url_decode({{ expr }}), {{ expr }})
{%- endmacro %}
