{#-
    Every raw line of the listings snapshots in the run's window, parsed,
    with its line_status and reject_reason. One row per landed line.
-#}

with

fields as (
    {{ landing_fields('listings', {
        'listing_id': 'listing_id_raw',
        'host_id': 'host_id_raw',
        'market': 'market_raw',
        'room_type': 'room_type_raw',
        'capacity': 'capacity_raw',
        'nightly_price_usd': 'nightly_price_usd_raw',
        'created_at': 'created_at_raw',
        'is_active': 'is_active_raw',
    }) }}
),

typed as (
    select
        *,
        {{ dbt.safe_cast('listing_id_raw', dbt.type_bigint()) }} as id_listing,
        {{ dbt.safe_cast('host_id_raw', dbt.type_bigint()) }} as id_host,
        {#- Market and room type reach the marts: no email in them (redact_emails). #}
        {{ canonical_market_name(redact_emails('market_raw')) }} as dim_market,
        lower(trim({{ redact_emails('room_type_raw') }})) as dim_room_type,
        {{ dbt.safe_cast('capacity_raw', dbt.type_int()) }} as capacity_parsed,
        {{ dbt.safe_cast('nightly_price_usd_raw', dbt.type_numeric()) }} as nightly_price_usd_parsed,
        {{ parse_iso8601_utc('created_at_raw') }} as created_at,
        case lower(is_active_raw) when 'true' then true when 'false' then false end as is_active,
        {{ missing_required_field_reason({
            'listing_id': 'listing_id_raw',
            'host_id': 'host_id_raw',
            'market': 'market_raw',
            'room_type': 'room_type_raw',
            'is_active': 'is_active_raw',
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
            when id_listing is null then 'invalid_value:listing_id'
            when id_host is null then 'invalid_value:host_id'
            when is_active is null then 'invalid_value:is_active'
            when dim_market = '' then 'invalid_value:market'
        end as reject_reason
    from typed
),

classified as (
    {#- A snapshot holds each listing once; a second row for it is a repeated delivery. -#}
    {{ classify_landing_lines('validated', 'id_listing') }}
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
        id_listing,
        id_host,
        market_raw,
        dim_market,
        {{ market_slug('dim_market') }} as market_slug,
        dim_room_type,
        capacity_raw,
        {#- Out-of-range capacity and non-numeric prices become null; base_landing__data_quality_issues names them. -#}
        case when capacity_parsed between 1 and 16 then capacity_parsed end as capacity,
        nightly_price_usd_raw,
        case when nightly_price_usd_parsed >= 0 then nightly_price_usd_parsed end as nightly_price_usd,
        created_at_raw,
        created_at,
        is_active
    from classified
)

select * from final
