{#-
    Gives each parsed landing line its line_status: 'rejected' (it carries a
    reject_reason), 'duplicate' (another delivery of the same dedup_key came
    first, in this window or in the `dedup_lookback_days` published partitions
    before it) or 'accepted'. Deliveries are ordered by ds, file and line, so
    a daily run and a range run classify every line alike.

    validated_cte: a CTE with ds, source_file, raw_line, reject_reason.
    dedup_key: SQL text expression identifying one delivered record.
-#}
{% macro classify_landing_lines(validated_cte, dedup_key, dedup_lookback_days=0) -%}
    {%- set window = ds_window() -%}
    with

    numbered as (
        select
            *,
            cast({{ dedup_key }} as {{ dbt.type_string() }}) as dedup_key,
            {#- Identical lines of one file are told apart by their occurrence. -#}
            row_number() over (partition by ds, source_file, raw_line order by ds) as line_occurrence
        from {{ validated_cte }}
    ),

    ranked as (
        select
            *,
            row_number() over (
                partition by reject_reason is null, dedup_key
                order by ds, source_file, raw_line, line_occurrence
            ) as delivery_rank
        from numbered
    ),

    published_keys as (
        {%- if is_incremental() and dedup_lookback_days | int > 0 %}
        select distinct dedup_key
        from {{ this }}
        where
            line_status = 'accepted'
            and ds between {{ ds_literal(ds_shift(window.start_ds, -(dedup_lookback_days | int))) }}
            and {{ ds_literal(ds_shift(window.start_ds, -1)) }}
        {%- else %}
        select cast(null as {{ dbt.type_string() }}) as dedup_key
        where 1 = 0
        {%- endif %}
    )

    select
        ranked.*,
        case
            when ranked.reject_reason is not null then 'rejected'
            when ranked.delivery_rank > 1 or published_keys.dedup_key is not null then 'duplicate'
            else 'accepted'
        end as line_status
    from ranked
    left join published_keys
        on
            ranked.reject_reason is null
            and ranked.dedup_key = published_keys.dedup_key
{%- endmacro %}
