{#-
    Every entry under <landing_root>/<source_name>/ds=*/, sorted: files, and
    sub-folders with a trailing '/', so nothing in a partition folder goes unseen.
-#}
{% macro list_landing_files(source_name) %}
    {{ return(adapter.dispatch('list_landing_files')(source_name)) }}
{% endmacro %}

{% macro default__list_landing_files(source_name) %}
    {{ exceptions.raise_compiler_error(
        "list_landing_files is not implemented for adapter '" ~ adapter.type()
        ~ "': add a " ~ adapter.type() ~ "__list_landing_files macro."
    ) }}
{% endmacro %}

{% macro duckdb__list_landing_files(source_name) %}
    {%- if not modules.re.fullmatch('[a-z_]+', source_name) -%}
        {{ exceptions.raise_compiler_error("list_landing_files: bad source name '" ~ source_name ~ "'") }}
    {%- endif -%}
    {#- DuckDB's glob() lists no folders; the plugin's function does (dbt_plugins/landing_reader.py). -#}
    {%- set query -%}
        select unnest(landing_list_partition_entries('{{ landing_root() }}/{{ source_name }}')) as entry
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}

{% macro spark__list_landing_files(source_name) %}
    {%- if not modules.re.fullmatch('[a-z_]+', source_name) -%}
        {{ exceptions.raise_compiler_error("list_landing_files: bad source name '" ~ source_name ~ "'") }}
    {%- endif -%}
    {%- set query -%}
        select explode(landing_list_partition_entries('{{ landing_root() }}/{{ source_name }}')) as entry
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}
