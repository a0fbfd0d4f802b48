{#-
    Type-2 history of a daily dimension snapshot: one row per entity per
    version, a version being a run of consecutive daily snapshots with the
    same attributes. valid_to is the first ds the version no longer holds
    (exclusive); it is null, and is_current true, for versions still in the
    latest snapshot.

    snapshot: relation (ds, entity_key, attribute_columns); rows with
    entity_key = unknown_key (the unknown member) are left out.
-#}
{% macro dimension_history(snapshot, entity_key, attribute_columns, unknown_key=none) -%}
    with

    snapshots as (
        select
            ds,
            {{ entity_key }},
            {{ attribute_columns | join(', ') }},
            {{ dbt.hash(dbt.concat(_null_safe_texts(attribute_columns))) }} as attributes_hash
        from {{ snapshot }}
        {%- if unknown_key is not none %}
        where {{ entity_key }} <> {{ unknown_key }}
        {%- endif %}
    ),

    flagged as (
        select
            *,
            case
                when lag(attributes_hash) over entity_days = attributes_hash
                    and lag(ds) over entity_days = {{ dbt.dateadd('day', -1, 'ds') }}
                    then 0
                else 1
            end as starts_version
        from snapshots
        window entity_days as (partition by {{ entity_key }} order by ds)
    ),

    numbered as (
        select
            *,
            cast(sum(starts_version) over (
                partition by {{ entity_key }}
                order by ds
                rows between unbounded preceding and current row
            ) as {{ dbt.type_bigint() }}) as version_number
        from flagged
    ),

    versions as (
        select
            {{ entity_key }},
            version_number,
            {%- for column in attribute_columns %}
            max({{ column }}) as {{ column }},
            {%- endfor %}
            min(ds) as valid_from,
            max(ds) as last_seen_ds
        from numbered
        group by {{ entity_key }}, version_number
    ),

    latest as (
        select max(ds) as latest_ds from snapshots
    ),

    final as (
        select
            versions.{{ entity_key }},
            versions.version_number,
            {%- for column in attribute_columns %}
            versions.{{ column }},
            {%- endfor %}
            versions.valid_from,
            case
                when versions.last_seen_ds < latest.latest_ds
                    then cast({{ dbt.dateadd('day', 1, 'versions.last_seen_ds') }} as date)
            end as valid_to,
            versions.last_seen_ds = latest.latest_ds as is_current
        from versions
        cross join latest
    )

    select * from final
{%- endmacro %}


{#- Each column as text, nulls as a marker, so that the hash tells null from ''. -#}
{% macro _null_safe_texts(columns) %}
    {%- set texts = [] -%}
    {%- for column in columns -%}
        {%- do texts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
        {%- if not loop.last -%}{%- do texts.append("'|'") -%}{%- endif -%}
    {%- endfor -%}
    {{ return(texts) }}
{% endmacro %}
