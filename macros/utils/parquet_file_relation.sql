{#- A parquet file as something to select from: `select * from {{ parquet_file_relation(path) }}`. -#}
{% macro parquet_file_relation(path) %}
    {{- return(adapter.dispatch('parquet_file_relation')(path)) -}}
{% endmacro %}

{% macro default__parquet_file_relation(path) -%}
    read_parquet('{{ path | replace("'", "''") }}')
{%- endmacro %}

{% macro spark__parquet_file_relation(path) -%}
    parquet.`{{ path | replace("`", "``") }}`
{%- endmacro %}
