{#- The contract's canonical market: trimmed, inner spaces collapsed, title-cased (` new  york ` is `New York`). -#}
{% macro canonical_market_name(expr) -%}
    {{ title_case(collapse_whitespace(expr)) }}
{%- endmacro %}
