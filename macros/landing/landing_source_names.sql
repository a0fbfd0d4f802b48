{#- Names of the tables of the `landing` source, read from its YAML. -#}
{% macro landing_source_names() %}
    {%- set names = [] -%}
    {%- for node in graph.sources.values() if node.source_name == 'landing' -%}
        {%- do names.append(node.name) -%}
    {%- endfor -%}
    {{ return(names | sort) }}
{% endmacro %}
