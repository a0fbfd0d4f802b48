{#-
    Daily snapshot of markets: the reference markets (seed), plus any market
    that listings use and the seed does not know yet (kept, flagged, region
    unknown), plus the unknown member. One row per market per ds.
-#}

with

days as (
    {{ window_days() }}
),

reference_markets as (
    select
        market_slug as id_market,
        dim_market,
        dim_country,
        dim_region,
        dim_time_zone
    from {{ ref('markets') }}
),

listing_markets as (
    select distinct
        ds,
        market_slug as id_market,
        dim_market
    from {{ ref('stg_listings__listings') }}
    where {{ ds_in_window('ds') }}
),

reference_members as (
    select
        days.ds,
        reference_markets.id_market,
        reference_markets.dim_market,
        reference_markets.dim_country,
        reference_markets.dim_region,
        reference_markets.dim_time_zone,
        true as is_reference_market
    from days
    cross join reference_markets
),

unseen_members as (
    select
        listing_markets.ds,
        listing_markets.id_market,
        listing_markets.dim_market,
        'unknown' as dim_country,
        'unknown' as dim_region,
        'unknown' as dim_time_zone,
        false as is_reference_market
    from listing_markets
    left join reference_markets
        on listing_markets.id_market = reference_markets.id_market
    where reference_markets.id_market is null
),

unknown_member as (
    select
        ds,
        'unknown' as id_market,
        'Unknown' as dim_market,
        'unknown' as dim_country,
        'unknown' as dim_region,
        'unknown' as dim_time_zone,
        false as is_reference_market
    from days
),

final as (
    select * from reference_members
    union all
    select * from unseen_members
    union all
    select * from unknown_member
)

select * from final
