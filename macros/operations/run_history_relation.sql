{#- audit.run_history: one row per node per dbt invocation (record_run_history). -#}
{% macro run_history_relation() %}
    {{ return(api.Relation.create(
        database=target.get('database'), schema=backfill_build_schema('audit'), identifier='run_history', type='table'
    )) }}
{% endmacro %}
