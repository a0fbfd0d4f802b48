{#- Daily snapshot of the reservations table: one row per live booking per ds (latest change wins, hard deletes honoured). -#}

{{ collapse_change_log(
    changes=ref('stg_bookings__booking_changes'),
    entity_key='id_booking',
    landing_source='bookings',
    image_columns=['id_listing', 'id_guest', 'booking_status', 'checkin_date', 'checkout_date', 'price_usd'],
) }}
