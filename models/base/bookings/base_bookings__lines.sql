{#-
    Every raw line of the bookings change log in the run's window, parsed,
    with its line_status and reject_reason. One row per landed line.
-#}

with

fields as (
    {{ landing_fields('bookings', {
        'change_id': 'change_id_raw',
        'op': 'op',
        'changed_at': 'changed_at_raw',
        'booking_id': 'booking_id_raw',
        'listing_id': 'listing_id_raw',
        'guest_id': 'guest_id_raw',
        'status': 'booking_status',
        'checkin': 'checkin_raw',
        'checkout': 'checkout_raw',
        'price_usd': 'price_usd_raw',
    }) }}
),

typed as (
    select
        *,
        {{ dbt.safe_cast('change_id_raw', dbt.type_bigint()) }} as change_id,
        {{ parse_iso8601_utc('changed_at_raw') }} as changed_at,
        {{ dbt.safe_cast('booking_id_raw', dbt.type_bigint()) }} as id_booking,
        {{ dbt.safe_cast('listing_id_raw', dbt.type_bigint()) }} as id_listing,
        {{ dbt.safe_cast('guest_id_raw', dbt.type_bigint()) }} as id_guest,
        {{ dbt.safe_cast('checkin_raw', 'date') }} as checkin_date,
        {{ dbt.safe_cast('checkout_raw', 'date') }} as checkout_date,
        {{ dbt.safe_cast('price_usd_raw', dbt.type_numeric()) }} as price_usd_parsed,
        {{ missing_required_field_reason({
            'change_id': 'change_id_raw',
            'op': 'op',
            'changed_at': 'changed_at_raw',
            'booking_id': 'booking_id_raw',
            'listing_id': {'column': 'listing_id_raw', 'when': "op in ('c', 'u')"},
            'guest_id': {'column': 'guest_id_raw', 'when': "op in ('c', 'u')"},
            'status': {'column': 'booking_status', 'when': "op in ('c', 'u')"},
            'checkin': {'column': 'checkin_raw', 'when': "op in ('c', 'u')"},
            'checkout': {'column': 'checkout_raw', 'when': "op in ('c', 'u')"},
            'price_usd': {'column': 'price_usd_raw', 'when': "op in ('c', 'u')"},
        }) }} as missing_field_reason
    from fields
),

validated as (
    select
        *,
        case
            when read_error is not null then read_error
            when not is_json_object then 'invalid_json'
            when missing_field_reason is not null then missing_field_reason
            when op not in ('c', 'u', 'd') then 'invalid_value:op'
            when change_id is null then 'invalid_value:change_id'
            when id_booking is null then 'invalid_value:booking_id'
            when changed_at is null then 'unparseable_timestamp:changed_at'
            when op <> 'd' and (id_listing is null or id_guest is null) then 'invalid_value:listing_id_or_guest_id'
            when op <> 'd' and (checkin_date is null or checkout_date is null) then 'invalid_value:checkin_or_checkout'
        end as reject_reason
    from typed
),

classified as (
    {#- change_id is unique and increasing, so a repeat within a day is a repeated delivery. -#}
    {{ classify_landing_lines('validated', 'change_id', lookback_days=1) }}
),

final as (
    select
        ds,
        source_file,
        raw_line,
        line_occurrence,
        dedup_key,
        line_status,
        reject_reason,
        change_id,
        op,
        changed_at,
        id_booking,
        id_listing,
        id_guest,
        {{ redact_emails('booking_status') }} as booking_status,
        checkin_date,
        checkout_date,
        price_usd_raw,
        {#- A price that is not a number (or is negative) becomes null; base_landing__data_quality_issues names it. -#}
        case when price_usd_parsed >= 0 then price_usd_parsed end as price_usd
    from classified
)

select * from final
