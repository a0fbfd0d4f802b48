{#-
    Per-listing lifetime engagement, one row per listing per ds from its
    first view, like, share or booking: views, likes and shares to date and
    over the last 7 and 28 days, bookings to date, first and last booked.
-#}

{{ cumulative_summary(
    subject='id_listing',
    inputs=[
        {
            'relation': ref('fct_page_views'),
            'subject': 'id_listing',
            'where': "dim_page_type = 'listing'",
            'metrics': [{'name': 'views', 'expression': 'm_page_views', 'aggregations': ['sum', 'rolling_sum']}],
        },
        {
            'relation': ref('fct_listing_engagements'),
            'subject': 'id_listing',
            'metrics': [
                {'name': 'likes', 'expression': 'm_likes', 'aggregations': ['sum', 'rolling_sum']},
                {'name': 'shares', 'expression': 'm_shares', 'aggregations': ['sum']},
            ],
        },
        {
            'relation': ref('fct_booking_events'),
            'subject': 'id_listing',
            'metrics': [
                {'name': 'bookings', 'expression': 'm_bookings_created', 'aggregations': ['sum', 'first_ds', 'last_ds']},
            ],
        },
    ],
    rolling_days=[7, 28],
) }}
