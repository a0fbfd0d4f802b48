{#-
    The loaded_at_query of a landing source's freshness (dbt source freshness):
    when its latest complete partition landed, the newest _SUCCESS marker's
    modification time (UTC); null when no partition is complete, which dbt
    reports as an error.
-#}
{% macro landing_loaded_at_query(source_name) %}
    {{- return(adapter.dispatch('landing_loaded_at_query')(source_name)) -}}
{% endmacro %}

{% macro default__landing_loaded_at_query(source_name) %}
    {{ exceptions.raise_compiler_error(
        "landing_loaded_at_query is not implemented for adapter '" ~ adapter.type()
        ~ "': add a " ~ adapter.type() ~ "__landing_loaded_at_query macro."
    ) }}
{% endmacro %}

{#- The plugin's function (dbt_plugins/landing_reader.py) stats the markers. -#}
{% macro duckdb__landing_loaded_at_query(source_name) %}
    select landing_latest_success_at('{{ landing_root() }}/{{ source_name }}') as loaded_at
{%- endmacro %}

{% macro spark__landing_loaded_at_query(source_name) %}
    {{- return(duckdb__landing_loaded_at_query(source_name)) -}}
{% endmacro %}
