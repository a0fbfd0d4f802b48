{#- Reads gzip JSON Lines files as text: (ds of the folder, source_file, raw_line), one row per line. -#}
{% macro read_jsonl_files(files) %}
    {{ return(adapter.dispatch('read_jsonl_files')(files)) }}
{% endmacro %}

{% macro default__read_jsonl_files(files) %}
    {{ exceptions.raise_compiler_error("read_jsonl_files is not implemented for adapter '" ~ adapter.type() ~ "'") }}
{% endmacro %}

{% macro duckdb__read_jsonl_files(files) %}
    {#- A CSV reader whose delimiter never occurs in JSON keeps each line whole, invalid ones too. -#}
    select
        cast(ds as date) as ds,
        regexp_extract(filename, '[^/]+/ds=[^/]+/[^/]+$') as source_file,
        raw_line
    from read_csv(
        [{%- for file in files %}'{{ file | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor -%}],
        columns = {'raw_line': 'VARCHAR'},
        header = false,
        auto_detect = false,
        delim = '{{ "\x1e" }}',
        quote = '',
        escape = '',
        compression = 'gzip',
        filename = true,
        hive_partitioning = true,
        hive_types = {'ds': 'DATE'}
    )
{%- endmacro %}
