{{ config(materialized='view') }}

{#-
    Every bad value in a field that is not required: the row was kept with
    the field set to null, and this names the row, the field and the value.
    One entry per checked field: the value as sent, and the value kept; a
    field with a null_issue is also an issue when sent null or absent.
-#}

{%- set checked_fields = [
    {'source': 'events', 'key': "'event_id=' || event_id", 'field': 'user_id',
     'sent': 'user_id_raw', 'kept': 'id_user', 'issue': 'not_an_integer'},
    {'source': 'events', 'key': "'event_id=' || event_id", 'field': 'properties.dwell_ms',
     'sent': 'dwell_ms_raw', 'kept': 'dwell_ms', 'issue': 'not_a_non_negative_integer'},
    {'source': 'bookings', 'key': "'change_id=' || cast(change_id as " ~ dbt.type_string() ~ ")", 'field': 'price_usd',
     'sent': 'price_usd_raw', 'kept': 'price_usd', 'issue': 'not_a_non_negative_number'},
    {'source': 'listings', 'key': "'listing_id=' || cast(id_listing as " ~ dbt.type_string() ~ ")", 'field': 'capacity',
     'sent': 'capacity_raw', 'kept': 'capacity', 'issue': 'out_of_range_1_to_16', 'null_issue': 'null_or_absent'},
    {'source': 'listings', 'key': "'listing_id=' || cast(id_listing as " ~ dbt.type_string() ~ ")", 'field': 'nightly_price_usd',
     'sent': 'nightly_price_usd_raw', 'kept': 'nightly_price_usd', 'issue': 'not_a_non_negative_number'},
    {'source': 'listings', 'key': "'listing_id=' || cast(id_listing as " ~ dbt.type_string() ~ ")", 'field': 'created_at',
     'sent': 'created_at_raw', 'kept': 'created_at', 'issue': 'unparseable_timestamp'},
    {'source': 'users', 'key': "'change_id=' || cast(change_id as " ~ dbt.type_string() ~ ")", 'field': 'country',
     'sent': 'country_raw', 'kept': 'dim_country', 'issue': 'not_iso_3166_alpha_2'},
] %}

with

issues as (
    {%- for checked in checked_fields %}
        select
            '{{ checked.source }}' as source_name,
            ds,
            source_file,
            line_occurrence,
            {{ checked.key }} as record_key,
            '{{ checked.field }}' as field_name,
            {{ checked.sent }} as field_value,
            case
                when {{ checked.sent }} is not null then '{{ checked.issue }}'
                else {{ "'" ~ checked.null_issue ~ "'" if checked.null_issue else 'null' }}
            end as issue
        from {{ ref('base_' ~ checked.source ~ '__lines') }}
        where
            line_status = 'accepted'
            and {{ checked.kept }} is null
            and ({{ checked.sent }} is not null or {{ 'true' if checked.null_issue else 'false' }})
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from issues
