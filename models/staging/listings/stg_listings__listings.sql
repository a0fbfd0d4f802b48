{{ config(materialized='view') }}

{#- The daily listings snapshot: one row per listing per ds, as it was at the end of ds. -#}

with

lines as (
    select * from {{ ref('base_listings__lines') }}
),

final as (
    select
        ds,
        id_listing,
        id_host,
        dim_market,
        market_slug,
        dim_room_type,
        capacity,
        nightly_price_usd,
        created_at,
        is_active
    from lines
    where line_status = 'accepted'
)

select * from final
