{#-
    dbt run-operation drop_backfill_build: drops every schema of a backfill's
    build (schema_prefix ~ schema, create_backfill_build and the chunks'
    models, stages and audit tables), after its swap or before a rebuild.
-#}
{% macro drop_backfill_build(schema_prefix) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- do _assert_backfill_schema_prefix(schema_prefix) -%}
    {%- for schema_name in list_schemas(target.get('database')).columns[0].values() | sort if schema_name.lower().startswith(schema_prefix) -%}
        {%- do adapter.drop_schema(api.Relation.create(database=target.get('database'), schema=schema_name)) -%}
        {{ log("drop_backfill_build: dropped " ~ schema_name, info=true) }}
    {%- endfor -%}
    {%- do adapter.commit() -%}
{% endmacro %}
