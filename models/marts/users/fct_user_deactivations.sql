{{ config(meta={'rewrites_late_partitions': true}) }}

{#-
    One row per user deactivation (a change that moves a user to
    deactivated), partitioned by ds = the UTC date of the change.
-#}

{%- set lookback = partition_lookback_days() %}

with

changes as (
    {{ change_log_with_previous_image(
        changes=ref('stg_users__user_changes'),
        snapshot=ref('stg_users__users'),
        entity_key='id_user',
        image_columns=['user_status', 'dim_country', 'signup_at'],
        lookback_days=lookback + 1,
        lookahead_days=lookback,
    ) }}
),

deactivations as (
    select
        cast(changed_at as date) as ds,
        id_user,
        change_id,
        changed_at as deactivated_at,
        dim_country,
        {{ dbt.datediff('signup_at', 'changed_at', 'day') }} as m_account_age_days,
        1 as m_deactivations
    from changes
    where
        op = 'u'
        and user_status = 'deactivated'
        and coalesce(previous_user_status, '') <> 'deactivated'
        and {{ ds_in_window('cast(changed_at as date)', lookback_days=lookback) }}
        {#- Only changes landed within the lookback of their date: a daily run and a backfill see the same. -#}
        and landing_ds <= cast({{ dbt.dateadd('day', lookback, 'cast(changed_at as date)') }} as date)
),

final as (
    select * from deactivations
)

select * from final
