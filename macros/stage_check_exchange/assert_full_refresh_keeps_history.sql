{#-
    --full-refresh replaces the whole production table with the run window's
    partitions. When production holds partitions outside the window
    (first_ds .. last_ds), that would delete them: refused before anything is
    staged, production unchanged, naming them and the window that rebuilds the
    whole history (first published ds .. the later of the window's end and the
    last published ds). A full refresh whose window covers them goes ahead.
-#}
{% macro assert_full_refresh_keeps_history(existing_relation, first_ds, last_ds) %}
    {%- if not should_full_refresh() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set outside = partitions_outside_window(existing_relation, first_ds, last_ds) -%}
    {%- if outside -%}
        {%- set published = run_query(
            "select cast(min(ds) as " ~ dbt.type_string() ~ "), cast(max(ds) as " ~ dbt.type_string() ~ ") from " ~ existing_relation
        ).rows[0] -%}
        {%- set window = ds_window() -%}
        {%- set start_ds = [(published[0] or window.start_ds) | string, window.start_ds] | min -%}
        {%- set end_ds = [(published[1] or window.end_ds) | string, window.end_ds] | max -%}
        {{ exceptions.raise_compiler_error(
            "Full refresh refused for " ~ model.name ~ ": it would replace " ~ existing_relation ~ " with ds " ~ first_ds ~ " .. "
            ~ last_ds ~ " only, deleting " ~ outside | length ~ " published partition(s) outside that window: "
            ~ _partition_list(outside.keys() | list) ~ ". Production is unchanged. To rebuild the whole history, run:"
            ~ " dbt run --select " ~ model.name ~ " --full-refresh --vars '{start_ds: \"" ~ start_ds ~ "\", end_ds: \""
            ~ end_ds ~ "\"}'"
        ) }}
    {%- endif -%}
{% endmacro %}
