{#-
    on-run-start: creates audit.run_history when it does not exist yet: what
    every dbt invocation ran (record_run_history writes it on-run-end), next
    to the check results (audit.partition_check_results) and the partition
    ledger; run_id is dbt's invocation id in all three.
-#}
{% macro ensure_run_history() %}
    {%- set relation = run_history_relation() -%}
    {%- do adapter.create_schema(relation) -%}
    {%- call statement('ensure_run_history') -%}
        create table if not exists {{ relation }} (
            run_id {{ dbt.type_string() }},
            command {{ dbt.type_string() }},
            window_start_ds date,
            window_end_ds date,
            node_id {{ dbt.type_string() }},
            node_name {{ dbt.type_string() }},
            resource_type {{ dbt.type_string() }},
            status {{ dbt.type_string() }},
            rows_affected {{ dbt.type_bigint() }},
            seconds {{ dbt.type_float() }},
            started_at {{ dbt.type_timestamp() }},
            completed_at {{ dbt.type_timestamp() }},
            message {{ dbt.type_string() }}
        )
    {%- endcall -%}
    {%- do adapter.commit() -%}
{% endmacro %}
