{#-
    on-run-start: creates the partition ledger when it does not exist yet.
    The `partitioned` materialization replaces a model's rows of the
    partitions it publishes in the exchange's transaction
    (partition_ledger_upsert), so the ledger holds the current state: one
    row per (model_name, ds).
-#}
{% macro ensure_partition_ledger() %}
    {%- set relation = partition_ledger_relation() -%}
    {%- do adapter.create_schema(relation) -%}
    {%- call statement('ensure_partition_ledger') -%}
        create table if not exists {{ relation }} (
            model_name {{ dbt.type_string() }},
            ds date,
            run_id {{ dbt.type_string() }},
            published_by {{ dbt.type_string() }},
            published_at {{ dbt.type_timestamp() }},
            row_count {{ dbt.type_bigint() }},
            check_status {{ dbt.type_string() }},
            fingerprint {{ dbt.type_string() }}
        )
    {%- endcall -%}
    {%- do adapter.commit() -%}
{% endmacro %}
