{#- The lineage of the partition ledger: for each published partition, the version of every partition it was built from. -#}
{% macro partition_inputs_relation() %}
    {{ return(api.Relation.create(
        database=target.get('database'), schema=backfill_build_schema('audit'), identifier='partition_inputs', type='table'
    )) }}
{% endmacro %}
