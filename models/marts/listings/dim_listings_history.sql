{{ config(materialized='view') }}

{#- Type-2 history of dim_listings: one row per listing per version (valid_from inclusive, valid_to exclusive). -#}

{{ dimension_history(
    snapshot=ref('dim_listings'),
    entity_key='id_listing',
    attribute_columns=[
        'id_host', 'id_market', 'dim_market', 'dim_room_type', 'dim_capacity',
        'dim_nightly_price_usd', 'dim_price_band', 'is_active',
    ],
    unknown_key='-1',
) }}
