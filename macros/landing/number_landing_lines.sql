{#-
    The rows of `lines_sql` (a select of ds, source_file, raw_line, read_error)
    with line_occurrence: identical lines of one file are told apart by their
    occurrence, 1, 2, ... (a line landed once is 1).

    One window on every engine: it spills to disk past DuckDB's memory
    limit. Grouping identical lines with list(read_error) was about 4%
    faster, but its list states do not spill: 28 days at 100k events a day
    (2.9 M lines) stopped at a 1 GB limit, where the window finishes.
-#}
{% macro number_landing_lines(lines_sql) %}
    {{ return(adapter.dispatch('number_landing_lines')(lines_sql)) }}
{% endmacro %}

{% macro default__number_landing_lines(lines_sql) -%}
    select
        ds,
        source_file,
        raw_line,
        read_error,
        row_number() over (partition by ds, source_file, raw_line order by ds) as line_occurrence
    from ({{ lines_sql }}) as lines_to_number
{%- endmacro %}
