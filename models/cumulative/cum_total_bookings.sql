{{ config(meta={'rewrites_late_partitions': true}) }}

{#-
    The running total of confirmed bookings and gross booking value, one row
    per ds, loaded incrementally: the total of the day before the rewritten
    partitions plus the fact's partitions since, never a scan of history
    (except on the very first build, which has no previous total).
-#}

{%- set lookback = partition_lookback_days() %}
{%- set window = ds_window() %}
{%- set first_ds = ds_shift(window.start_ds, -lookback) %}
{%- set has_previous_total = is_incremental() and partition_has_rows(this, ds_shift(first_ds, -1)) %}
{%- if not has_previous_total %}
    {%- do assert_history_is_published(ref('fct_booking_events'), 'bookings', first_ds) %}
{%- endif %}

with

days as (
    {{ window_days(lookback_days=lookback) }}
),

previous_total as (
    {%- if has_previous_total %}
        select
            m_total_bookings_confirmed,
            m_total_gross_booking_value
        from {{ this }}
        where ds = {{ ds_literal(ds_shift(first_ds, -1)) }}
    {%- else %}
        select
            cast(coalesce(sum(m_bookings_confirmed), 0) as {{ dbt.type_bigint() }}) as m_total_bookings_confirmed,
            coalesce(sum(m_gross_booking_value), 0) as m_total_gross_booking_value
        from {{ ref('fct_booking_events') }}
        where ds < {{ ds_literal(first_ds) }}
    {%- endif %}
),

daily as (
    select
        ds,
        sum(m_bookings_confirmed) as m_bookings_confirmed,
        sum(m_gross_booking_value) as m_gross_booking_value
    from {{ ref('fct_booking_events') }}
    where {{ ds_in_window('ds', lookback_days=lookback) }}
    group by ds
),

final as (
    select
        days.ds,
        cast(coalesce(daily.m_bookings_confirmed, 0) as {{ dbt.type_bigint() }}) as m_bookings_confirmed,
        cast(previous_total.m_total_bookings_confirmed + sum(coalesce(daily.m_bookings_confirmed, 0)) over (
            order by days.ds rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as m_total_bookings_confirmed,
        previous_total.m_total_gross_booking_value + sum(coalesce(daily.m_gross_booking_value, 0)) over (
            order by days.ds rows between unbounded preceding and current row
        ) as m_total_gross_booking_value
    from days
    cross join previous_total
    left join daily
        on days.ds = daily.ds
)

select * from final
