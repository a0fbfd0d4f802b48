{#-
    Every raw line of the events landing source in the run's window, parsed,
    with its line_status and reject_reason. One row per landed line.
-#}
{%- set max_lateness = var('landing_max_lateness_days') | int -%}
{%- set max_skew = var('landing_max_clock_skew_minutes') | int -%}
{#- Facts rewrite lookback_days of late partitions; an event later than that cannot reach them. -#}
{%- set lookback = [var('lookback_days') | int, max_lateness] | min -%}

with

fields as (
    {{ landing_fields('events', {
        'event_id': 'event_id',
        'event_ts': 'event_ts_raw',
        'event_type': 'event_type',
        'user_id': 'user_id_raw',
        'anonymous_id': 'anonymous_id',
        'platform': 'platform',
        'url': 'url',
        'referrer': 'referrer',
        'user_agent': 'user_agent',
        'properties': 'properties_raw',
    }) }}
),

typed as (
    select
        *,
        {#- Only a JSON number is epoch milliseconds; a string of digits does not parse. #}
        case
            when {{ json_is_number('record', 'event_ts') }}
                then case
                    when {{ regexp_like('event_ts_raw', '^-?[0-9]{1,15}$') }}
                        then {{ epoch_ms_to_timestamp('event_ts_raw') }}
                end
            else {{ parse_iso8601_utc('event_ts_raw') }}
        end as event_at,
        {{ dbt.safe_cast('user_id_raw', dbt.type_bigint()) }} as id_user,
        {{ json_parse_object('properties_raw') }} as properties,
        {{ missing_required_field_reason({
            'event_id': 'event_id',
            'event_ts': 'event_ts_raw',
            'event_type': 'event_type',
            'anonymous_id': 'anonymous_id',
            'platform': 'platform',
            'url': 'url',
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
            when event_at is null then 'unparseable_timestamp:event_ts'
            when cast(event_at as date) < cast({{ dbt.dateadd('day', -max_lateness, 'ds') }} as date)
                then 'event_too_late'
            when cast(event_at as date) < cast({{ dbt.dateadd('day', -lookback, 'ds') }} as date)
                then 'event_older_than_lookback'
            {#- The window's last instant, ds + 1 day 00:10:00.000, is inside it. #}
            when event_at > {{ dbt.dateadd('minute', 24 * 60 + max_skew, 'ds') }}
                then 'event_in_future'
        end as reject_reason
    from typed
),

classified as (
    {#- Deliveries of one event span its date's partition (or the day before, clock skew) to 3 days after. -#}
    {{ classify_landing_lines('validated', 'event_id', lookback_days=max_lateness + 1) }}
),

urls as (
    select
        *,
        lower({{ regexp_extract_group('url', '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#:]+)') }}) as url_host,
        {{ url_decode(regexp_extract_group('url', '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]+([^?#]*)')) }} as url_path_decoded,
        {{ regexp_extract_group('url', '[?]([^#]*)') }} as url_query
    from classified
),

pages as (
    select
        *,
        coalesce(url_host in ('stayhub.example', 'www.stayhub.example'), false) as is_stayhub_url,
        {{ regexp_extract_group('url_path_decoded', '^/rooms/([0-9]{1,18})(/|$)') }} as id_listing_text,
        {{ regexp_extract_group('url_path_decoded', '^/s/([^/]+)') }} as market_slug_text,
        {{ json_get_texts('properties', ['dwell_ms', 'channel']) }} as property_texts
    from urls
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
        {#- Parsed text that can leave the base layer holds no email (redact_emails); raw_line, url and dedup_key keep the line as landed. #}
        {{ redact_emails('event_id', keep_identity=true) }} as event_id,
        event_ts_raw,
        event_at,
        cast(event_at as date) as event_date,
        {{ redact_emails('event_type') }} as event_type,
        coalesce(event_type in ('page_view', 'page_exit', 'like', 'unlike', 'share'), false) as is_known_event_type,
        user_id_raw,
        id_user,
        id_user is not null as is_logged_in,
        {{ redact_emails('anonymous_id', keep_identity=true) }} as anonymous_id,
        {{ redact_emails('platform') }} as platform,
        url,
        {{ redact_emails('url_host') }} as url_host,
        is_stayhub_url,
        {#- Trailing slashes do not make another page. -#}
        {{ redact_emails("coalesce(nullif(" ~ rtrim_chars('url_path_decoded', "'/'") ~ ", ''), '/')") }} as url_path,
        case
            when is_stayhub_url and id_listing_text is not null then 'listing'
            when is_stayhub_url and market_slug_text is not null then 'search'
            when is_stayhub_url and coalesce({{ rtrim_chars('url_path_decoded', "'/'") }}, '') = '' then 'home'
            else 'other'
        end as page_type,
        case when is_stayhub_url then {{ dbt.safe_cast('id_listing_text', dbt.type_bigint()) }} end as id_listing,
        case when is_stayhub_url then {{ redact_emails('lower(market_slug_text)') }} end as market_slug,
        {{ redact_emails(url_decode(regexp_extract_group('url_query', '(^|&)utm_source=([^&]*)', 2))) }} as utm_source,
        {{ redact_emails(url_decode(regexp_extract_group('url_query', '(^|&)utm_medium=([^&]*)', 2))) }} as utm_medium,
        {{ redact_emails(url_decode(regexp_extract_group('url_query', '(^|&)utm_campaign=([^&]*)', 2))) }} as utm_campaign,
        {{ redact_emails('referrer') }} as referrer,
        {{ redact_emails('user_agent') }} as user_agent,
        {{ is_crawler_user_agent('user_agent') }} as is_crawler,
        properties,
        {{ array_element('property_texts', 1) }} as dwell_ms_raw,
        case
            when {{ dbt.safe_cast(array_element('property_texts', 1), dbt.type_bigint()) }} >= 0
                then {{ dbt.safe_cast(array_element('property_texts', 1), dbt.type_bigint()) }}
        end as dwell_ms,
        {{ redact_emails(array_element('property_texts', 2)) }} as share_channel
    from pages
)

select * from final
