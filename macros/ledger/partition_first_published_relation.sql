{#- audit.partition_first_published: when each (model, ds) partition was first published. -#}
{% macro partition_first_published_relation() %}
    {{ return(api.Relation.create(
        database=target.get('database'), schema=backfill_build_schema('audit'), identifier='partition_first_published', type='table'
    )) }}
{% endmacro %}
