{#- Whether `relation` holds any row in partition `ds` (false before it exists). -#}
{% macro partition_has_rows(relation, ds) %}
    {%- if not execute or load_relation(relation) is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set result = run_query("select count(*) from " ~ relation ~ " where ds = " ~ ds_literal(ds)) -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{% endmacro %}
