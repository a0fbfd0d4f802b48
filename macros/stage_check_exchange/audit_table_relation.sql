{#- The audit table every stage-check-exchange writes its check results to. -#}
{% macro audit_table_relation() %}
    {{ return(api.Relation.create(
        database=target.get('database'), schema=backfill_build_schema('audit'), identifier='partition_check_results', type='table'
    )) }}
{% endmacro %}
