{#-
    A model's +schema is its schema as written (staging, marts, ...), not
    prefixed by the target schema. Inside a backfill's build on an engine
    whose databases are schemas of one catalog (Spark), the var
    backfill_build ({schema_prefix, models}) puts the job's models in schemas
    of their own: schema_prefix ~ schema (backfill_build_schema).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set schema = (custom_schema_name or target.schema) | trim -%}
    {%- set build = var('backfill_build', none) -%}
    {%- if build and node is not none and node.name in build.get('models', []) -%}
        {{ backfill_build_schema(schema) }}
    {%- else -%}
        {{ schema }}
    {%- endif -%}
{%- endmacro %}
