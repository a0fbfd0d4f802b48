{{ config(meta={'rewrites_late_partitions': true}) }}

{#-
    The booking lifecycle from the reservations change log: one row per
    booking event (created, confirmed, altered, cancelled), partitioned by
    ds = the UTC date of the change. A change can make two events (a booking
    created already confirmed). Gross booking value is the price of a
    confirmed booking; an alteration (a change of check-in or check-out,
    whatever the status) carries its new dates and price.
-#}

{%- set lookback = partition_lookback_days() %}

with

changes as (
    {{ change_log_with_previous_image(
        changes=ref('stg_bookings__booking_changes'),
        snapshot=ref('stg_bookings__bookings'),
        entity_key='id_booking',
        image_columns=['id_listing', 'id_guest', 'booking_status', 'checkin_date', 'checkout_date', 'price_usd'],
        lookback_days=lookback + 1,
        lookahead_days=lookback,
    ) }}
),

changes_in_partitions as (
    select
        *,
        cast(changed_at as date) as change_date
    from changes
    where
        op in ('c', 'u')
        and {{ ds_in_window('cast(changed_at as date)', lookback_days=lookback) }}
        {#- Only changes landed within the lookback of their date: a daily run and a backfill see the same. -#}
        and landing_ds <= cast({{ dbt.dateadd('day', lookback, 'cast(changed_at as date)') }} as date)
),

lifecycle as (
    select
        *,
        'created' as dim_booking_event
    from changes_in_partitions
    where op = 'c'

    union all

    select
        *,
        'confirmed' as dim_booking_event
    from changes_in_partitions
    where booking_status = 'confirmed' and coalesce(previous_booking_status, '') <> 'confirmed'

    union all

    select
        *,
        'altered' as dim_booking_event
    from changes_in_partitions
    {#- New dates, whatever the status; a change of price alone is not an alteration. #}
    where
        op = 'u'
        and previous_change_id is not null
        and (
            checkin_date is distinct from previous_checkin_date
            or checkout_date is distinct from previous_checkout_date
        )

    union all

    select
        *,
        'cancelled' as dim_booking_event
    from changes_in_partitions
    where booking_status = 'cancelled' and coalesce(previous_booking_status, '') <> 'cancelled'
),

final as (
    select
        change_date as ds,
        id_booking,
        change_id,
        dim_booking_event,
        changed_at,
        id_listing,
        id_guest,
        booking_status as dim_booking_status,
        checkin_date,
        checkout_date,
        coalesce(previous_booking_status = 'confirmed', false) as was_confirmed,
        {{ dbt.datediff('checkin_date', 'checkout_date', 'day') }} as m_nights,
        price_usd as m_price_usd,
        case when dim_booking_event = 'created' then 1 else 0 end as m_bookings_created,
        case when dim_booking_event = 'confirmed' then 1 else 0 end as m_bookings_confirmed,
        case when dim_booking_event = 'altered' then 1 else 0 end as m_alterations,
        case when dim_booking_event = 'cancelled' then 1 else 0 end as m_cancellations,
        case when dim_booking_event = 'confirmed' then price_usd else 0 end as m_gross_booking_value,
        {#- Gross booking value counts confirmed bookings only: an alteration moves it while confirmed. #}
        case
            when dim_booking_event = 'altered' and booking_status = 'confirmed' and previous_booking_status = 'confirmed'
                then coalesce(price_usd, 0) - coalesce(previous_price_usd, 0)
            else 0
        end as m_gross_booking_value_change
    from lifecycle
)

select * from final
