{#- meta.history_of lets a join as of one date read dim_listings' partition instead of this view (history_as_of_join). -#}
{%- set history_of = {'snapshot': 'dim_listings', 'entity_key': 'id_listing', 'unknown_key': '-1'} -%}
{{ config(materialized='view', meta={'history_of': history_of}) }}

{#- Type-2 history of dim_listings: one row per listing per version (valid_from inclusive, valid_to exclusive). -#}

{{ dimension_history(
    snapshot=ref(history_of.snapshot),
    entity_key=history_of.entity_key,
    attribute_columns=[
        'id_host', 'id_market', 'dim_market', 'dim_room_type', 'dim_capacity',
        'dim_nightly_price_usd', 'dim_price_band', 'is_active',
    ],
    unknown_key=history_of.unknown_key,
) }}
