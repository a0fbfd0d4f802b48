{#-
    Histogram of the days since users last returned (viewed a page), as of
    the run's ds, read from one partition of the cumulative summary.

    dbt compile --select days_since_users_last_returned --vars '{ds: "2025-02-28"}'
-#}

{%- set ds = ds_window().end_ds %}

with

users as (
    select m_days_since_last_active
    from {{ ref('cum_user_activity') }}
    where
        ds = {{ ds_literal(ds) }}
        and last_active_ds is not null
),

final as (
    select
        m_days_since_last_active,
        count(*) as m_users
    from users
    group by m_days_since_last_active
)

select * from final
order by m_days_since_last_active
