{#-
    Per-user activity and churn features, one row per user per ds from the
    user's first page view, like, unlike, share or booking. A user is active
    on a day when they view any page, like, unlike or share (the contract's
    active users; a booking alone is not activity): days since first and
    last active, active days in the last 7 and 28 days, page views and dwell
    to date and over the last 7 and 28 days, likes, unlikes and shares to
    date, lifetime bookings with the first and last booking date.
    Incremental: yesterday's row plus today's facts.
-#}

{{ cumulative_summary(
    subject='id_user',
    inputs=[
        {
            'relation': ref('fct_page_views'),
            'subject': 'id_user',
            'metrics': [
                {'name': 'page_views', 'expression': 'm_page_views', 'aggregations': ['sum', 'rolling_sum']},
                {'name': 'dwell_ms', 'expression': 'm_dwell_ms', 'aggregations': ['sum', 'count', 'max']},
            ],
        },
        {
            'relation': ref('fct_listing_engagements'),
            'subject': 'id_user',
            'metrics': [
                {'name': 'engagements', 'expression': 'm_likes + m_unlikes + m_shares', 'aggregations': ['sum']},
            ],
        },
        {
            'relation': ref('fct_booking_events'),
            'subject': 'id_guest',
            'counts_as_activity': false,
            'metrics': [
                {'name': 'bookings', 'expression': 'm_bookings_created', 'aggregations': ['sum', 'first_ds', 'last_ds']},
            ],
        },
    ],
    rolling_days=[7, 28],
) }}
