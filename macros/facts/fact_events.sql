{#-
    The rows of `events` (the staged events) a fact run may use: known event types from people (no
    crawlers), with an event date in the partitions the run rewrites (the
    window widened by lookback_days before it, and by `lookahead_days` after it
    for facts whose partition also depends on the next days' events), landed
    no later than lookback_days after their event date. Every landing
    partition published in that lateness window is read, also those after
    the run window: re-running an older ds after later runs loses nothing,
    and a daily run and a backfill see the same events for every partition.
-#}
{% macro fact_events(events, event_types, lookback_days, lookahead_days=0) -%}
    {%- set max_lateness = var('landing_max_lateness_days') | int -%}
    select *
    from {{ events }}
    where
        {{ ds_in_window('ds', lookback_days=lookback_days + 1, lookahead_days=lookahead_days + max_lateness) }}
        and {{ ds_in_window('event_date', lookback_days=lookback_days, lookahead_days=lookahead_days) }}
        and ds <= cast({{ dbt.dateadd('day', lookback_days, 'event_date') }} as date)
        and event_type in ('{{ event_types | join("', '") }}')
        and is_known_event_type
        and not is_crawler
{%- endmacro %}
