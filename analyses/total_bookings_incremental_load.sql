{#-
    RECOMMENDED: the running total of confirmed bookings as of ds, loaded
    incrementally, the way models/cumulative/cum_total_bookings.sql
    does it: yesterday's total plus today's partition of the fact. It reads
    one row and one partition, however long the history.

    dbt compile --select total_bookings_incremental_load --vars '{ds: "2025-03-01"}'
-#}

{%- set ds = ds_window().end_ds %}

with

yesterday as (
    select m_total_bookings_confirmed
    from {{ ref('cum_total_bookings') }}
    where ds = {{ ds_literal(ds_shift(ds, -1)) }}
),

today as (
    select coalesce(sum(m_bookings_confirmed), 0) as m_bookings_confirmed
    from {{ ref('fct_booking_events') }}
    where ds = {{ ds_literal(ds) }}
),

final as (
    select
        {{ ds_literal(ds) }} as ds,
        coalesce(yesterday.m_total_bookings_confirmed, 0) + today.m_bookings_confirmed as m_total_bookings_confirmed
    from today
    left join yesterday on true
)

select * from final
