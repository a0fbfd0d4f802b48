{#-
    on-run-start (and the backfill's swap): creates the partition ledger and
    its lineage table when they do not exist yet, and adds row_checksum and
    backfill_id to a ledger created before it had them. The `partitioned`
    materialization replaces a model's rows of the partitions it publishes
    in the exchange's transaction (partition_ledger_upsert), and so does the
    backfill's swap, so both hold the current state: one ledger
    row per (model_name, ds), and one partition_inputs row per (model_name,
    ds, input_model, input_ds) it was built from. audit.partition_first_published
    keeps when each partition was first published, which later rewrites do not
    change: a partition's deadline (stayhub monitor) is about that time.
-#}
{% macro ensure_partition_ledger() %}
    {%- set relation = partition_ledger_relation() -%}
    {%- set inputs = partition_inputs_relation() -%}
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
            fingerprint {{ dbt.type_string() }},
            row_checksum {{ dbt.type_string() }},
            backfill_id {{ dbt.type_string() }}
        ) {{ audit_table_partitioning(['model_name', 'ds']) }};
        create table if not exists {{ inputs }} (
            model_name {{ dbt.type_string() }},
            ds date,
            input_model {{ dbt.type_string() }},
            input_ds date,
            input_run_id {{ dbt.type_string() }},
            input_published_at {{ dbt.type_timestamp() }},
            input_row_count {{ dbt.type_bigint() }},
            input_checksum {{ dbt.type_string() }}
        ) {{ audit_table_partitioning(['model_name', 'ds']) }};
        create table if not exists {{ partition_first_published_relation() }} (
            model_name {{ dbt.type_string() }},
            ds date,
            first_published_at {{ dbt.type_timestamp() }},
            run_id {{ dbt.type_string() }}
        )
    {%- endcall -%}
    {#- A ledger written before a column existed gets it, null for its rows. -#}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- for column in ['row_checksum', 'backfill_id'] if column not in columns -%}
        {%- call statement('add_' ~ column) -%}
            alter table {{ relation }} add column {{ column }} {{ dbt.type_string() }}
        {%- endcall -%}
    {%- endfor -%}
    {%- do adapter.commit() -%}
{% endmacro %}
