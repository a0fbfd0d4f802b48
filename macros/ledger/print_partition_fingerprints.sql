{#-
    dbt run-operation print_partition_fingerprints: prints one line of JSON,
    {"<model name>": "<fingerprint>", ...}, for every model materialized
    `partitioned`. It reads the project only, no table: it works on an empty
    database and without landed data (run-operation runs no on-run-start
    hook), and with --quiet stdout is that line alone.
-#}
{% macro print_partition_fingerprints() %}
    {%- if execute -%}
        {%- set memo = {'nodes': {}} -%}
        {%- set fingerprints = {} -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.config.materialized == 'partitioned' -%}
            {%- do fingerprints.update({node.name: _model_fingerprint(node.unique_id, memo)}) -%}
        {%- endfor -%}
        {%- do print(tojson(fingerprints, sort_keys=true)) -%}
    {%- endif -%}
{% endmacro %}
