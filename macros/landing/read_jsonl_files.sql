{#-
    Reads gzip JSON Lines part files as text, one row per physical line:
    (ds of the folder, source_file relative to the landing root, raw_line,
    read_error). Lines are split on \n only and file names are read
    literally. A line that cannot be used does not fail the query: it comes
    back with read_error invalid_utf8 (raw_line with the bad bytes replaced by
    U+FFFD) or line_too_long (over 16 MiB; raw_line holds its first 1 KiB),
    and a file that is not readable gzip is one row, read_error
    unreadable_file and a null raw_line.
-#}
{% macro read_jsonl_files(files) %}
    {{ return(adapter.dispatch('read_jsonl_files')(files)) }}
{% endmacro %}

{% macro default__read_jsonl_files(files) %}
    {{ exceptions.raise_compiler_error(
        "read_jsonl_files is not implemented for adapter '" ~ adapter.type()
        ~ "': add a " ~ adapter.type() ~ "__read_jsonl_files macro."
    ) }}
{% endmacro %}

{% macro duckdb__read_jsonl_files(files) %}
    {#-
        landing_read_jsonl_gz is the plugin's Python function (dbt_plugins/landing_reader.py),
        not read_csv, which splits lines at a lone CR, fails the whole query on one bad
        line (printing it) and expands a '*' in a file name as a glob. It returns one
        text per file, split here on \n only, and read_errors: empty when every line
        reads whole, which unnest then pads with nulls beside the lines.
        One branch of the union per batch of at most ceil(files / 16) files: DuckDB runs
        each branch on its own thread, where one list of every file would be read, split
        and unnested by one thread holding every file's text at once.
    -#}
    {%- set batch_size = ((files | length) / 16) | round(0, 'ceil') | int -%}
    {%- for batch in files | batch(batch_size) %}
    {%- if not loop.first %}

    union all

    {% endif -%}
    select
        ds,
        source_file,
        unnest(string_split(file_lines.text, chr(10))) as raw_line,
        unnest(file_lines.read_errors) as read_error
    from (
        {{ _read_part_files(batch) }}
    ) as read_files
    {%- endfor %}
{%- endmacro %}

{#-
    Spark: the same Python reader (registered by `python -m stayhub.spark`), one row per file;
    arrays_zip pads the shorter of the lines and their read errors with nulls, as DuckDB's unnest.
-#}
{% macro spark__read_jsonl_files(files) %}
    select
        ds,
        source_file,
        file_line.raw_line,
        file_line.read_error
    from (
        {{ _read_part_files(files) }}
    ) as read_files
    lateral view inline(
        arrays_zip(
            coalesce(split(file_lines.text, '\\n', -1), array()),
            file_lines.read_errors
        )
    ) file_line as raw_line, read_error
{%- endmacro %}


{#-
    One row per part file <source>/ds=<YYYY-MM-DD>/<file>: its ds, source_file (the path from the landing
    root) and file_lines, what the plugin's landing_read_jsonl_gz read of it (on both engines).
-#}
{% macro _read_part_files(files) %}
        select
            cast(ds as date) as ds,
            source_file,
            landing_read_jsonl_gz(file_path) as file_lines
        from (
            values
            {%- for file in files %}
                {%- set match = modules.re.search('([^/]+/ds=([0-9]{4}-[0-9]{2}-[0-9]{2})/[^/]+)$', file) %}
                {%- if not match -%}
                    {{ exceptions.raise_compiler_error("read_jsonl_files: '" ~ file ~ "' is not <source>/ds=<YYYY-MM-DD>/<file>") }}
                {%- endif %}
                ({{ dbt.string_literal(dbt.escape_single_quotes(file)) }}, '{{ match.group(2) }}', {{ dbt.string_literal(dbt.escape_single_quotes(match.group(1))) }})
                {{- "," if not loop.last }}
            {%- endfor %}
        ) as part_files (file_path, ds, source_file)
{%- endmacro %}
