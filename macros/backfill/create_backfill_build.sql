{#-
    dbt run-operation create_backfill_build, run by the backfill runner on an
    engine whose databases are schemas of one catalog (Spark): the build of a
    backfill is a copy of `relations` (schema.table: the job's tables and the
    audit tables) each in schema_prefix ~ its schema (backfill_build_schema).
    A relation production lacks is skipped (the chunks create it); a copy
    left by an earlier attempt is replaced.
-#}
{% macro create_backfill_build(schema_prefix, relations) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- do _assert_backfill_schema_prefix(schema_prefix) -%}
    {%- for name in relations -%}
        {%- set schema_name, table_name = name.split('.') -%}
        {%- set source = load_relation(api.Relation.create(database=target.get('database'), schema=schema_name, identifier=table_name)) -%}
        {%- if source is not none -%}
            {%- set copy = source.incorporate(path={'schema': schema_prefix ~ schema_name}) -%}
            {%- do adapter.create_schema(copy) -%}
            {%- do adapter.drop_relation(copy) -%}
            {%- call statement('create_backfill_build') -%}
                {{ backfill_copy_table(source, copy) }}
            {%- endcall -%}
            {{ log("create_backfill_build: " ~ source ~ " -> " ~ copy, info=true) }}
        {%- endif -%}
    {%- endfor -%}
    {%- do adapter.commit() -%}
{% endmacro %}


{#- A new table `copy` with the rows of `source`, partitioned as it is. -#}
{% macro backfill_copy_table(source, copy) %}
    {{- return(adapter.dispatch('backfill_copy_table')(source, copy)) -}}
{% endmacro %}

{% macro default__backfill_copy_table(source, copy) %}
    create table {{ copy }} as select * from {{ source }}
{% endmacro %}

{#- CREATE TABLE LIKE keeps the format and the partition columns (last, as the insert selects them). -#}
{% macro spark__backfill_copy_table(source, copy) %}
    create table {{ copy }} like {{ source }};
    insert into {{ copy }} select * from {{ source }}
{% endmacro %}


{#- A build's prefix is bf_<id>_: anything else could name production's schemas. -#}
{% macro _assert_backfill_schema_prefix(schema_prefix) %}
    {%- if not modules.re.fullmatch('bf_[a-z0-9_]+_', schema_prefix or '') -%}
        {{ exceptions.raise_compiler_error("backfill build: schema_prefix must look like bf_<id>_, got '" ~ schema_prefix ~ "'") }}
    {%- endif -%}
{% endmacro %}
