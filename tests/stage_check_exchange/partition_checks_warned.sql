{#-
    Every partition check that warned in this invocation (status warn in
    audit.partition_check_results): severity warn, so `dbt build` counts them
    in its summary (WARN=1, "Completed with 1 warning", run_results.json
    status warn) instead of publishing silently. It depends on every
    partitioned model but the metric tables and the experiment models,
    whose checks never warn, so it runs after the selected ones;
    tests/integration/test_operator_safety.py keeps the list complete.
-#}
{{ config(severity='warn') }}
-- depends_on: {{ ref('base_assignments__lines') }}
-- depends_on: {{ ref('base_bookings__lines') }}
-- depends_on: {{ ref('stg_bookings__bookings') }}
-- depends_on: {{ ref('base_events__lines') }}
-- depends_on: {{ ref('base_listings__lines') }}
-- depends_on: {{ ref('base_users__lines') }}
-- depends_on: {{ ref('stg_users__users') }}
-- depends_on: {{ ref('dim_listings') }}
-- depends_on: {{ ref('dim_markets') }}
-- depends_on: {{ ref('cum_total_bookings') }}
-- depends_on: {{ ref('dim_users') }}
-- depends_on: {{ ref('fct_booking_events') }}
-- depends_on: {{ ref('fct_listing_engagements') }}
-- depends_on: {{ ref('fct_page_views') }}
-- depends_on: {{ ref('fct_user_deactivations') }}
-- depends_on: {{ ref('cum_listing_engagement') }}
-- depends_on: {{ ref('cum_user_activity') }}

select
    model_name,
    ds,
    check_name,
    observed_value,
    threshold
from {{ audit_table_relation() }}
where
    run_id = '{{ invocation_id }}'
    and status = 'warn'
