{#- Predicate: the user agent is a crawler by the landing contract (case-insensitive). -#}
{% macro is_crawler_user_agent(user_agent_expr) -%}
    coalesce({{ regexp_like('lower(' ~ user_agent_expr ~ ')', 'bot|crawl|spider|slurp|python-requests|curl/|wget/|headless') }}, false)
{%- endmacro %}
