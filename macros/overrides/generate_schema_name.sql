{#- A model's +schema is its schema as written (staging, marts, ...), not prefixed by the target schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
