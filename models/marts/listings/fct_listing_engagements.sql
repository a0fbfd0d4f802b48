{{ config(meta={'rewrites_late_partitions': true}) }}

{#-
    One row per like, unlike or share by a person, partitioned by ds = the
    UTC date of the event. id_listing is the listing of the page it was made
    on (null on a search, home or other page: dim_page_type).
-#}

{%- set lookback = partition_lookback_days() %}

with

engagements as (
    {{ fact_events(ref('stg_events__events'), ['like', 'unlike', 'share'], lookback) }}
),

final as (
    select
        event_date as ds,
        event_id as id_event,
        event_at,
        id_user,
        anonymous_id as id_anonymous,
        id_listing,
        page_type as dim_page_type,
        event_type as dim_engagement_type,
        share_channel as dim_share_channel,
        platform as dim_platform,
        is_logged_in,
        case when event_type = 'like' then 1 else 0 end as m_likes,
        case when event_type = 'unlike' then 1 else 0 end as m_unlikes,
        case when event_type = 'share' then 1 else 0 end as m_shares
    from engagements
)

select * from final
