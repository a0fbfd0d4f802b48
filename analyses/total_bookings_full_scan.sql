{#-
    NOT RECOMMENDED: the same running total computed by scanning every
    partition of the fact up to ds. Its cost grows with history; it is here
    to compare with total_bookings_incremental_load.sql (same answer).

    dbt compile --select total_bookings_full_scan --vars '{ds: "2025-03-01"}'
-#}

{%- set ds = ds_window().end_ds %}

with

booking_events as (
    select m_bookings_confirmed
    from {{ ref('fct_booking_events') }}
    where ds <= {{ ds_literal(ds) }}
),

final as (
    select
        {{ ds_literal(ds) }} as ds,
        coalesce(sum(m_bookings_confirmed), 0) as m_total_bookings_confirmed
    from booking_events
)

select * from final
