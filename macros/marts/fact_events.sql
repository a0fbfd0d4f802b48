{#-
    The staged events a fact run may use: known event types from people (no
    crawlers), with an event date in the partitions the run rewrites (the
    window widened by lookback_days), landed no later than lookback_days
    after their event date. The last rule makes a daily run and a backfill
    see exactly the same events for every partition they write.
-#}
{% macro fact_events(event_types, lookback_days) -%}
    select *
    from {{ ref('stg_events__events') }}
    where
        {{ ds_in_window('ds', days_before=lookback_days + 1) }}
        and {{ ds_in_window('event_date', days_before=lookback_days) }}
        and ds <= cast({{ dbt.dateadd('day', lookback_days, 'event_date') }} as date)
        and event_type in ('{{ event_types | join("', '") }}')
        and is_known_event_type
        and not is_crawler
{%- endmacro %}
