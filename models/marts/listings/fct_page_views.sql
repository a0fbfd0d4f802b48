{{ config(meta={'rewrites_late_partitions': true}) }}

{#-
    One row per page view of a listing or search page by a person,
    partitioned by ds = the UTC date of the view. m_dwell_ms is the time
    spent, from the first page_exit of the same page by the same browser
    after the view (on the same or the next day, when lookback_days >= 1).
-#}

{%- set lookback = partition_lookback_days() %}

-- depends_on: {{ ref('stg_events__events') }}

with

page_events as (
    {{ fact_events(['page_view', 'page_exit'], lookback) }}
),

views as (
    select * from page_events
    where event_type = 'page_view' and page_type in ('listing', 'search')
),

exits as (
    select * from page_events
    where event_type = 'page_exit'
),

exits_after_views as (
    select
        views.event_id,
        exits.dwell_ms,
        row_number() over (
            partition by views.event_id
            order by exits.event_at, exits.event_id
        ) as exit_rank
    from views
    inner join exits
        on
            views.anonymous_id = exits.anonymous_id
            and views.url_path = exits.url_path
            and views.event_at <= exits.event_at
            {#
                The exit must be one the run that last writes the view's partition reads:
                dated at most lookback_days (and one day) after the view, and landed
                within lookback_days of the view's date.
            #}
            and exits.event_date <= cast({{ dbt.dateadd('day', [1, lookback] | min, 'views.event_date') }} as date)
            and exits.ds <= cast({{ dbt.dateadd('day', lookback, 'views.event_date') }} as date)
),

final as (
    select
        views.event_date as ds,
        views.event_id as id_event,
        views.event_at,
        views.id_user,
        views.anonymous_id as id_anonymous,
        views.id_listing,
        views.market_slug as id_market,
        views.page_type as dim_page_type,
        views.platform as dim_platform,
        views.is_logged_in,
        views.utm_source as dim_utm_source,
        views.utm_medium as dim_utm_medium,
        views.utm_campaign as dim_utm_campaign,
        1 as m_page_views,
        exits_after_views.dwell_ms as m_dwell_ms
    from views
    left join exits_after_views
        on
            views.event_id = exits_after_views.event_id
            and exits_after_views.exit_rank = 1
)

select * from final
