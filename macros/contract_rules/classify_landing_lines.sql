{#-
    Gives each parsed landing line its line_status: 'rejected' (it carries a
    reject_reason), 'duplicate' (an earlier delivery of the same dedup_key
    landed at most `lookback_days` partitions before it, in this window
    or in the published partitions just before it) or 'accepted'. Deliveries
    are ordered by ds, file and line, so daily runs and one range run
    classify every line alike; with lookback_days = 0 a key is unique
    within each ds only, and with lookback_days = none an earlier
    delivery in any partition makes a duplicate, however late.

    The model reads its own earlier partitions, so its meta.depends_on_past
    (what the backfill runner orders chunks by) must say the same: N for
    lookback_days N, true for none, absent for 0. A run stops if they differ.

    validated_cte: a CTE with ds, source_file, raw_line, line_occurrence
    (landing_fields), reject_reason.
    dedup_key: SQL text expression identifying one delivered record.
-#}
{% macro classify_landing_lines(validated_cte, dedup_key, lookback_days=0) -%}
    {%- set window = ds_window() -%}
    {%- set unbounded = lookback_days is none -%}
    {%- set lookback = 0 if unbounded else lookback_days | int -%}
    {#- A dbt unit test's node has no meta to compare. -#}
    {%- if execute and model.resource_type != 'unit_test' -%}
        {%- set declared = model.config.meta.get('depends_on_past') -%}
        {%- set declared = 'true' if declared is sameas true else ('absent' if declared in (none, false, 0) else declared | string) -%}
        {%- set expected = 'true' if unbounded else ('absent' if lookback == 0 else lookback | string) -%}
        {%- if declared != expected -%}
            {{ exceptions.raise_compiler_error(
                model.name ~ " deduplicates against " ~ ("every earlier partition" if unbounded else lookback ~ " partition(s) before each ds")
                ~ ", so its meta.depends_on_past must be " ~ expected ~ ", not " ~ declared ~ "."
            ) }}
        {%- endif -%}
    {%- endif -%}
    with

    {#- Read twice (the lines, their deliveries): its parsing must run once. #}
    numbered {{ as_materialized() }} (
        select
            *,
            cast({{ dedup_key }} as {{ dbt.type_string() }}) as dedup_key
        from {{ validated_cte }}
    ),

    deliveries as (
        select
            dedup_key,
            ds,
            source_file,
            raw_line,
            line_occurrence
        from numbered
        where reject_reason is null
    ),

    {#- Most keys are delivered once in the window: only the others need ordering. #}
    repeated_keys as (
        select dedup_key
        from deliveries
        group by dedup_key
        having count(*) > 1
    ),

    window_deliveries as (
        select
            *,
            lag(ds) over (
                partition by dedup_key
                order by ds, source_file, raw_line, line_occurrence
            ) as previous_delivery_ds
        from deliveries
        where dedup_key is null or dedup_key in (select repeated_keys.dedup_key from repeated_keys)
    )
    {%- set reads_published = is_incremental() and (unbounded or lookback > 0) %}
    {%- if reads_published %},

    {#- Keys compared null-safely: a null key is one key, as in the ordering above. #}
    window_keys as (
        select distinct
            dedup_key is null as is_null_key,
            coalesce(dedup_key, '') as key_text
        from deliveries
    ),

    {#-
        A key's latest delivery in the published partitions before the window.
        Every one of them precedes the window's, so it is the delivery before
        the key's first in the window; only the keys column of the history is read.
    #}
    published_deliveries as (
        select
            window_keys.is_null_key,
            window_keys.key_text,
            max(published.ds) as last_delivery_ds
        from {{ this }} as published
        inner join window_keys
            on
                (published.dedup_key is null) = window_keys.is_null_key
                and coalesce(published.dedup_key, '') = window_keys.key_text
        where
            published.line_status in ('accepted', 'duplicate')
            {%- if unbounded %}
            and published.ds < {{ ds_literal(window.start_ds) }}
            {%- else %}
            and published.ds between {{ ds_literal(ds_shift(window.start_ds, -lookback)) }}
            and {{ ds_literal(ds_shift(window.start_ds, -1)) }}
            {%- endif %}
        group by window_keys.is_null_key, window_keys.key_text
    )
    {%- endif %}

    {%- set previous_delivery_ds = 'coalesce(window_deliveries.previous_delivery_ds, published_deliveries.last_delivery_ds)'
        if reads_published else 'window_deliveries.previous_delivery_ds' %}

    select
        numbered.*,
        case
            when numbered.reject_reason is not null then 'rejected'
            {%- if unbounded %}
            when {{ previous_delivery_ds }} is not null then 'duplicate'
            {%- else %}
            when {{ previous_delivery_ds }} >= cast({{ dbt.dateadd('day', -lookback, 'numbered.ds') }} as date) then 'duplicate'
            {%- endif %}
            else 'accepted'
        end as line_status
    from numbered
    left join window_deliveries
        on
            numbered.ds = window_deliveries.ds
            and numbered.source_file = window_deliveries.source_file
            and numbered.raw_line = window_deliveries.raw_line
            and numbered.line_occurrence = window_deliveries.line_occurrence
    {%- if reads_published %}
    left join published_deliveries
        on
            (numbered.dedup_key is null) = published_deliveries.is_null_key
            and coalesce(numbered.dedup_key, '') = published_deliveries.key_text
    {%- endif %}
{%- endmacro %}
