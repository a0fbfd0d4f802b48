{{ config(materialized='view') }}

{#-
    Every bad value in a field that is not required: the row was kept with
    the field set to null, and this names the row, the field and the value.
-#}

with

events as (
    select * from {{ ref('stg_events__lines') }}
    where line_status = 'accepted'
),

bookings as (
    select * from {{ ref('stg_bookings__lines') }}
    where line_status = 'accepted'
),

listings as (
    select * from {{ ref('stg_listings__lines') }}
    where line_status = 'accepted'
),

users as (
    select * from {{ ref('stg_users__lines') }}
    where line_status = 'accepted'
),

issues as (
    select
        'events' as source_name,
        ds,
        source_file,
        line_occurrence,
        'event_id=' || event_id as record_key,
        'user_id' as field_name,
        user_id_raw as field_value,
        'not_an_integer' as issue
    from events
    where user_id_raw is not null and id_user is null

    union all

    select
        'events' as source_name,
        ds,
        source_file,
        line_occurrence,
        'event_id=' || event_id as record_key,
        'properties.dwell_ms' as field_name,
        dwell_ms_raw as field_value,
        'not_a_non_negative_integer' as issue
    from events
    where dwell_ms_raw is not null and dwell_ms is null

    union all

    select
        'bookings' as source_name,
        ds,
        source_file,
        line_occurrence,
        'change_id=' || cast(change_id as {{ dbt.type_string() }}) as record_key,
        'price_usd' as field_name,
        price_usd_raw as field_value,
        'not_a_non_negative_number' as issue
    from bookings
    where price_usd_raw is not null and price_usd is null

    union all

    select
        'listings' as source_name,
        ds,
        source_file,
        line_occurrence,
        'listing_id=' || cast(id_listing as {{ dbt.type_string() }}) as record_key,
        'capacity' as field_name,
        capacity_raw as field_value,
        'out_of_range_1_to_16' as issue
    from listings
    where capacity_raw is not null and capacity is null

    union all

    select
        'listings' as source_name,
        ds,
        source_file,
        line_occurrence,
        'listing_id=' || cast(id_listing as {{ dbt.type_string() }}) as record_key,
        'nightly_price_usd' as field_name,
        nightly_price_usd_raw as field_value,
        'not_a_non_negative_number' as issue
    from listings
    where nightly_price_usd_raw is not null and nightly_price_usd is null

    union all

    select
        'listings' as source_name,
        ds,
        source_file,
        line_occurrence,
        'listing_id=' || cast(id_listing as {{ dbt.type_string() }}) as record_key,
        'created_at' as field_name,
        created_at_raw as field_value,
        'unparseable_timestamp' as issue
    from listings
    where created_at_raw is not null and created_at is null

    union all

    select
        'users' as source_name,
        ds,
        source_file,
        line_occurrence,
        'change_id=' || cast(change_id as {{ dbt.type_string() }}) as record_key,
        'country' as field_name,
        country_raw as field_value,
        'not_iso_3166_alpha_2' as issue
    from users
    where country_raw is not null and dim_country is null
)

select * from issues
