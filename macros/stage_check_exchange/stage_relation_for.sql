{#- Where a model's rows are staged before the exchange: <schema>_stage.<model>. -#}
{% macro stage_relation_for(target_relation) %}
    {{ return(api.Relation.create(
        database=target_relation.database,
        schema=target_relation.schema ~ '_stage',
        identifier=target_relation.identifier,
        type='table',
    )) }}
{% endmacro %}
