{#- The partition ledger: one row per partitioned model and ds, the run that published it and what built it. -#}
{% macro partition_ledger_relation() %}
    {{ return(api.Relation.create(
        database=target.get('database'), schema=backfill_build_schema('audit'), identifier='partition_ledger', type='table'
    )) }}
{% endmacro %}
