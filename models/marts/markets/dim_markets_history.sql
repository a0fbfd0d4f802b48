{#- meta.history_of lets a join as of one date read dim_markets' partition instead of this view (history_as_of_join). -#}
{%- set history_of = {'snapshot': 'dim_markets', 'entity_key': 'id_market', 'unknown_key': "'unknown'"} -%}
{{ config(materialized='view', meta={'history_of': history_of}) }}

{#- Type-2 history of dim_markets: one row per market per version (valid_from inclusive, valid_to exclusive). -#}

{{ dimension_history(
    snapshot=ref(history_of.snapshot),
    entity_key=history_of.entity_key,
    attribute_columns=['dim_market', 'dim_country', 'dim_region', 'dim_time_zone', 'is_reference_market'],
    unknown_key=history_of.unknown_key,
) }}
