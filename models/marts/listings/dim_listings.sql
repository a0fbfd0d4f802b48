{#-
    Daily snapshot of listings as they were at the end of each ds, with their
    market's attributes and a price band, plus the unknown member
    (id_listing = -1) that facts join to while a listing's row has not landed.
-#}

with

days as (
    {{ window_days() }}
),

listings as (
    select
        ds,
        id_listing,
        id_host,
        market_slug as id_market,
        dim_market,
        dim_room_type,
        capacity,
        nightly_price_usd,
        created_at,
        is_active
    from {{ ref('stg_listings__listings') }}
    where {{ ds_in_window('ds') }}
),

markets as (
    select
        ds,
        id_market,
        dim_country,
        dim_region
    from {{ ref('dim_markets') }}
    where {{ ds_in_window('ds') }}
),

listings_with_markets as (
    select
        listings.ds,
        listings.id_listing,
        listings.id_host,
        listings.id_market,
        listings.dim_market,
        markets.dim_country,
        markets.dim_region,
        listings.dim_room_type,
        listings.capacity as dim_capacity,
        listings.nightly_price_usd as dim_nightly_price_usd,
        case
            when listings.nightly_price_usd is null then 'unknown'
            when listings.nightly_price_usd < 100 then 'under_100'
            when listings.nightly_price_usd < 200 then '100_to_200'
            when listings.nightly_price_usd < 400 then '200_to_400'
            else '400_and_over'
        end as dim_price_band,
        listings.created_at,
        listings.is_active,
        false as is_unknown_member
    from listings
    left join markets
        on
            listings.ds = markets.ds
            and listings.id_market = markets.id_market
),

unknown_member as (
    select
        ds,
        cast(-1 as {{ dbt.type_bigint() }}) as id_listing,
        cast(null as {{ dbt.type_bigint() }}) as id_host,
        'unknown' as id_market,
        'Unknown' as dim_market,
        'unknown' as dim_country,
        'unknown' as dim_region,
        'unknown' as dim_room_type,
        cast(null as {{ dbt.type_int() }}) as dim_capacity,
        cast(null as {{ dbt.type_numeric() }}) as dim_nightly_price_usd,
        'unknown' as dim_price_band,
        cast(null as {{ dbt.type_timestamp() }}) as created_at,
        false as is_active,
        true as is_unknown_member
    from days
),

final as (
    select * from listings_with_markets
    union all
    select * from unknown_member
)

select * from final
