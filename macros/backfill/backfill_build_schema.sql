{#-
    Where `schema` lives in the backfill being built: the schema itself,
    or, when the var backfill_build names a schema_prefix (a backfill's
    build on Spark, stayhub/backfill/engines.py), that prefix and the schema.
    The audit tables and the job's models take it; the rest of the project
    is read from production.
-#}
{% macro backfill_build_schema(schema) %}
    {%- set build = var('backfill_build', none) -%}
    {{- return((build.get('schema_prefix', '') if build else '') ~ schema) -}}
{% endmacro %}
