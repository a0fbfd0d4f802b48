{#-
    Every raw line of the experiment exposure log in the run's window,
    parsed, with its line_status and reject_reason. One row per landed line.
-#}

with

fields as (
    {{ landing_fields('assignments', {
        'experiment_key': 'experiment_key',
        'variant': 'variant',
        'user_id': 'user_id_raw',
        'assigned_at': 'assigned_at_raw',
        'platform': 'platform',
    }) }}
),

typed as (
    select
        *,
        {{ dbt.safe_cast('user_id_raw', dbt.type_bigint()) }} as id_user,
        {{ parse_iso8601_utc('assigned_at_raw') }} as assigned_at,
        {{ missing_required_field_reason({
            'experiment_key': 'experiment_key',
            'variant': 'variant',
            'user_id': 'user_id_raw',
            'assigned_at': 'assigned_at_raw',
            'platform': 'platform',
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
            when id_user is null then 'invalid_value:user_id'
            when assigned_at is null then 'unparseable_timestamp:assigned_at'
        end as reject_reason
    from typed
),

classified as (
    {#- The same exposure (experiment, variant, user, instant) delivered again, however late, is a duplicate. -#}
    {{ classify_landing_lines(
        'validated',
        dbt.concat(["experiment_key", "'|'", "variant", "'|'", "cast(id_user as " ~ dbt.type_string() ~ ")", "'|'", "cast(assigned_at as " ~ dbt.type_string() ~ ")"]),
        lookback_days=none
    ) }}
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
        {#- Parsed text that can leave the base layer holds no email (redact_emails); raw_line and dedup_key keep the line as landed. #}
        {{ redact_emails('experiment_key', keep_identity=true) }} as experiment_key,
        {{ redact_emails('variant', keep_identity=true) }} as variant,
        id_user,
        assigned_at,
        {{ redact_emails('platform') }} as platform
    from classified
)

select * from final
