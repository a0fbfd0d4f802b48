{#-
    A model that builds on the partition before its window (depends_on_past: a snapshot,
    a running total) and has none must recompute it from `history_relation`.
    That is only right when the history before `before_ds` is there: when
    `landing_source` landed partitions before it but `history_relation` holds
    nothing before it, stop and say how to backfill, instead of publishing a
    state that silently misses its history.
-#}
{% macro assert_history_is_published(history_relation, landing_source, before_ds) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set landed = [] -%}
    {%- for ds, partition in landing_partitions(landing_source).items() if partition.complete and ds < before_ds -%}
        {%- do landed.append(ds) -%}
    {%- endfor -%}
    {%- if landed -%}
        {%- set published = run_query(
            "select count(*) from " ~ history_relation ~ " where ds < " ~ ds_literal(before_ds)
        ).columns[0].values()[0] -%}
        {%- if published == 0 -%}
            {{ exceptions.raise_compiler_error(
                model.name ~ " builds on the partition before " ~ before_ds ~ ", but " ~ history_relation
                ~ " holds nothing before it while '" ~ landing_source ~ "' landed from " ~ landed | min
                ~ ". Backfill from there first: dbt build --vars '{start_ds: \"" ~ landed | min ~ "\", end_ds: \"" ~ ds_window().end_ds ~ "\"}'"
            ) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
