{#-
    Bookings per market over the seven days up to the run's ds: the fact
    joined to the listings snapshot of each booking's own ds, so a booking
    counts in the market its listing had that day. A listing whose row has
    not landed yet joins to the unknown member.

    dbt compile --select bookings_per_market_past_week --vars '{ds: "2025-03-01"}'
-#}

{%- set window = ds_window() %}

with

booking_events as (
    select
        ds,
        id_listing,
        m_bookings_confirmed,
        m_gross_booking_value
    from {{ ref('fct_booking_events') }}
    where ds between {{ ds_literal(ds_shift(window.end_ds, -6)) }} and {{ ds_literal(window.end_ds) }}
),

listings as (
    select
        ds,
        id_listing,
        dim_market
    from {{ ref('dim_listings') }}
    where ds between {{ ds_literal(ds_shift(window.end_ds, -6)) }} and {{ ds_literal(window.end_ds) }}
),

bookings_with_markets as (
    select
        booking_events.m_bookings_confirmed,
        booking_events.m_gross_booking_value,
        coalesce(listings.dim_market, unknown_listing.dim_market) as dim_market
    from booking_events
    left join listings
        on
            booking_events.ds = listings.ds
            and booking_events.id_listing = listings.id_listing
    left join listings as unknown_listing
        on
            booking_events.ds = unknown_listing.ds
            and unknown_listing.id_listing = -1
),

final as (
    select
        dim_market,
        sum(m_bookings_confirmed) as m_bookings_confirmed,
        sum(m_gross_booking_value) as m_gross_booking_value
    from bookings_with_markets
    group by dim_market
)

select * from final
order by m_bookings_confirmed desc
