{{ config(materialized='view') }}

{#- Type-2 history of dim_markets: one row per market per version (valid_from inclusive, valid_to exclusive). -#}

{{ dimension_history(
    snapshot=ref('dim_markets'),
    entity_key='id_market',
    attribute_columns=['dim_market', 'dim_country', 'dim_region', 'dim_time_zone', 'is_reference_market'],
    unknown_key="'unknown'",
) }}
