{#- The URL slug of a canonical market name: lower case, spaces as hyphens (`/s/new-york`). -#}
{% macro market_slug(market_name_expr) -%}
    replace(lower({{ market_name_expr }}), ' ', '-')
{%- endmacro %}
