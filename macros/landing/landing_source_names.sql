{#-
    The landing sources of the upstream contract, sorted: var landing_sources
    (dbt_project.yml, also read by the stayhub package). Each has a table in
    the `landing` source YAML (a test keeps the two equal).
-#}
{% macro landing_source_names() %}
    {{ return(var('landing_sources') | sort) }}
{% endmacro %}
