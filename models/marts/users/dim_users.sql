{#-
    Daily snapshot of users as of each ds: country, signup cohort, status,
    whether they host a listing that day, and how far they are in booking,
    plus the unknown member (id_user = -1) that facts join to while a user's
    row has not landed. Built from the day's staging snapshots only.
-#}

with

days as (
    {{ window_days() }}
),

users as (
    select
        ds,
        id_user,
        dim_country,
        signup_at,
        user_status
    from {{ ref('stg_users__users') }}
    where {{ ds_in_window('ds') }}
),

hosts as (
    select distinct
        ds,
        id_host
    from {{ ref('stg_listings__listings') }}
    where {{ ds_in_window('ds') }}
),

guest_bookings as (
    select
        ds,
        id_guest,
        count(*) as bookings_to_date
    from {{ ref('stg_bookings__bookings') }}
    where {{ ds_in_window('ds') }}
    group by ds, id_guest
),

users_enriched as (
    select
        users.ds,
        users.id_user,
        coalesce(users.dim_country, 'unknown') as dim_country,
        cast({{ dbt.date_trunc('month', 'users.signup_at') }} as date) as dim_signup_month,
        users.signup_at,
        users.user_status as dim_user_status,
        hosts.id_host is not null as is_host,
        coalesce(guest_bookings.bookings_to_date, 0) as bookings_to_date,
        case
            when guest_bookings.bookings_to_date is null then 'never_booked'
            when guest_bookings.bookings_to_date = 1 then 'first_booking'
            else 'repeat_booker'
        end as dim_booking_stage,
        false as is_unknown_member
    from users
    left join hosts
        on
            users.ds = hosts.ds
            and users.id_user = hosts.id_host
    left join guest_bookings
        on
            users.ds = guest_bookings.ds
            and users.id_user = guest_bookings.id_guest
),

unknown_member as (
    select
        ds,
        cast(-1 as {{ dbt.type_bigint() }}) as id_user,
        'unknown' as dim_country,
        cast(null as date) as dim_signup_month,
        cast(null as {{ dbt.type_timestamp() }}) as signup_at,
        'unknown' as dim_user_status,
        false as is_host,
        cast(0 as {{ dbt.type_bigint() }}) as bookings_to_date,
        'unknown' as dim_booking_stage,
        true as is_unknown_member
    from days
),

final as (
    select * from users_enriched
    union all
    select * from unknown_member
)

select * from final
