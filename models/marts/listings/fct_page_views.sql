{{ config(meta={'rewrites_late_partitions': true}) }}

{#-
    One row per page view by a person, of any page (listing, search, home or
    other: dim_page_type), partitioned by ds = the UTC date of the view.
    m_dwell_ms is its time on page: a page_exit closes the latest earlier
    view of the same page (URL path) by the same browser if that view has no
    exit yet, so a view's exit is the next event of that browser on that
    page when it is an exit. Each exit counts once; a view no exit closes
    has none.
-#}

{%- set lookback = partition_lookback_days() %}

with

page_events as (
    {#- An exit dated the day after a view can close it. -#}
    {{ fact_events(ref('stg_events__events'), ['page_view', 'page_exit'], lookback, lookahead_days=1) }}
),

views as (
    select * from page_events
    where
        event_type = 'page_view'
        and {{ ds_in_window('event_date', lookback_days=lookback) }}
),

next_events as (
    select
        views.event_id,
        later.event_type as next_event_type,
        later.dwell_ms as next_dwell_ms,
        row_number() over (
            partition by views.event_id
            order by later.event_at asc, later.event_type desc, later.event_id asc
        ) as next_rank
    from views
    inner join page_events as later
        on
            views.anonymous_id = later.anonymous_id
            and views.url_path = later.url_path
            and views.event_id <> later.event_id
            {#- Later in time; at the same instant a view is earlier than an exit, and views go by event_id. #}
            and (
                views.event_at < later.event_at
                or (views.event_at = later.event_at and later.event_type = 'page_exit')
                or (views.event_at = later.event_at and views.event_id < later.event_id)
            )
            and later.event_date <= cast({{ dbt.dateadd('day', 1, 'views.event_date') }} as date)
            {#-
                Only events the run that last writes the view's partition reads (landed within
                lookback_days of that partition), so daily runs, ranges and re-runs agree.
            #}
            and later.ds <= cast({{ dbt.dateadd('day', lookback, 'views.event_date') }} as date)
),

closing_exits as (
    select
        event_id,
        next_dwell_ms as dwell_ms
    from next_events
    where next_rank = 1 and next_event_type = 'page_exit'
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
        closing_exits.dwell_ms as m_dwell_ms
    from views
    left join closing_exits
        on views.event_id = closing_exits.event_id
)

select * from final
