{#-
    Every raw line of the users change log in the run's window, parsed, with
    its line_status and reject_reason. One row per landed line. The email is
    only kept hashed in the parsed columns (raw_line keeps the line as landed
    and never leaves the base layer).
-#}

with

fields as (
    {{ landing_fields('users', {
        'change_id': 'change_id_raw',
        'op': 'op',
        'changed_at': 'changed_at_raw',
        'user_id': 'user_id_raw',
        'email': 'email',
        'country': 'country_raw',
        'signup_at': 'signup_at_raw',
        'status': 'user_status',
    }) }}
),

typed as (
    select
        ds,
        source_file,
        raw_line,
        read_error,
        line_occurrence,
        is_json_object,
        change_id_raw,
        op,
        changed_at_raw,
        user_id_raw,
        country_raw,
        signup_at_raw,
        user_status,
        {{ dbt.safe_cast('change_id_raw', dbt.type_bigint()) }} as change_id,
        {{ parse_iso8601_utc('changed_at_raw') }} as changed_at,
        {{ dbt.safe_cast('user_id_raw', dbt.type_bigint()) }} as id_user,
        {{ pii_hash('email') }} as email_hash,
        upper(trim(country_raw)) as dim_country,
        {{ parse_iso8601_utc('signup_at_raw') }} as signup_at,
        {{ missing_required_field_reason({
            'change_id': 'change_id_raw',
            'op': 'op',
            'changed_at': 'changed_at_raw',
            'user_id': 'user_id_raw',
            'signup_at': {'column': 'signup_at_raw', 'when': "op in ('c', 'u')"},
            'status': {'column': 'user_status', 'when': "op in ('c', 'u')"},
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
            when id_user is null then 'invalid_value:user_id'
            when changed_at is null then 'unparseable_timestamp:changed_at'
            when op <> 'd' and signup_at is null then 'unparseable_timestamp:signup_at'
        end as reject_reason
    from typed
),

classified as (
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
        id_user,
        email_hash,
        country_raw,
        {#- ISO 3166-1 alpha-2 only; anything else becomes null and a data-quality issue. -#}
        case when {{ regexp_like('dim_country', '^[A-Z]{2}$') }} then dim_country end as dim_country,
        signup_at,
        {{ redact_emails('user_status') }} as user_status
    from classified
)

select * from final
