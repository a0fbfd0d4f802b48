{{ config(materialized='view') }}

{#- One row per delivered-once application event, by landing ds; crawler and unknown-type events stay, flagged. -#}

with

lines as (
    select * from {{ ref('base_events__lines') }}
),

final as (
    select
        ds,
        event_id,
        event_at,
        event_date,
        event_type,
        is_known_event_type,
        id_user,
        is_logged_in,
        anonymous_id,
        platform,
        url_host,
        url_path,
        is_stayhub_url,
        page_type,
        id_listing,
        market_slug,
        utm_source,
        utm_medium,
        utm_campaign,
        referrer,
        user_agent,
        is_crawler,
        dwell_ms,
        share_channel
    from lines
    where line_status = 'accepted'
)

select * from final
