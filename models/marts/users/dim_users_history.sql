{#- meta.history_of lets a join as of one date read dim_users' partition instead of this view (history_as_of_join). -#}
{%- set history_of = {'snapshot': 'dim_users', 'entity_key': 'id_user', 'unknown_key': '-1'} -%}
{{ config(materialized='view', meta={'history_of': history_of}) }}

{#- Type-2 history of dim_users: one row per user per version (valid_from inclusive, valid_to exclusive). -#}

{{ dimension_history(
    snapshot=ref(history_of.snapshot),
    entity_key=history_of.entity_key,
    attribute_columns=['dim_country', 'dim_signup_month', 'dim_user_status', 'is_host', 'dim_booking_stage'],
    unknown_key=history_of.unknown_key,
) }}
