{#- Creates the audit table of partition check results when it does not exist yet (one row per check per ds per run). -#}
{% macro ensure_audit_table() %}
    {%- set relation = audit_table_relation() -%}
    {%- do adapter.create_schema(relation) -%}
    {%- call statement('ensure_audit_table') -%}
        create table if not exists {{ relation }} (
            run_id {{ dbt.type_string() }},
            model_name {{ dbt.type_string() }},
            ds date,
            check_name {{ dbt.type_string() }},
            check_type {{ dbt.type_string() }},
            severity {{ dbt.type_string() }},
            status {{ dbt.type_string() }},
            observed_value {{ dbt.type_float() }},
            threshold {{ dbt.type_string() }},
            checked_at {{ dbt.type_timestamp() }}
        )
    {%- endcall -%}
    {%- do adapter.commit() -%}
{% endmacro %}
