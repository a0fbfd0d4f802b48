{#-
    on-run-start: creates the <schema>_stage schema of every partitioned
    model up front, so that concurrent models never race to create one.
-#}
{% macro ensure_stage_schemas() %}
    {%- if execute -%}
        {%- set created = [] -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.config.materialized == 'partitioned' -%}
            {%- set stage = stage_relation_for(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) -%}
            {%- if stage.schema not in created -%}
                {%- do adapter.create_schema(stage) -%}
                {%- do created.append(stage.schema) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
{% endmacro %}
