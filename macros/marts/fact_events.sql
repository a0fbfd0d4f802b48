{#-
    The staged events a fact run may use: known event types from people (no
    crawlers), with an event date in the partitions the run rewrites (the
    window widened by lookback_days before it, and by `days_after` after it
    for facts whose partition also depends on the next days' events), landed
    no later than lookback_days after their event date. Every landing
    partition published in that lateness window is read, also those after
    the run window: re-running an older ds after later runs loses nothing,
    and a daily run and a backfill see the same events for every partition.
-#}
{% macro fact_events(event_types, lookback_days, days_after=0) -%}
    {%- set max_lateness = var('landing_max_lateness_days') | int -%}
    select *
    from {{ ref('stg_events__events') }}
    where
        {{ ds_in_window('ds', days_before=lookback_days + 1, days_after=days_after + max_lateness) }}
        and {{ ds_in_window('event_date', days_before=lookback_days, days_after=days_after) }}
        and ds <= cast({{ dbt.dateadd('day', lookback_days, 'event_date') }} as date)
        and event_type in ('{{ event_types | join("', '") }}')
        and is_known_event_type
        and not is_crawler
{%- endmacro %}
