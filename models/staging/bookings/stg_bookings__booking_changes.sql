{{ config(materialized='view') }}

{#- One row per accepted change of the reservations change log, by landing ds. -#}

with

lines as (
    select * from {{ ref('base_bookings__lines') }}
),

final as (
    select
        ds,
        change_id,
        op,
        changed_at,
        id_booking,
        id_listing,
        id_guest,
        booking_status,
        checkin_date,
        checkout_date,
        price_usd
    from lines
    where line_status = 'accepted'
)

select * from final
