{{ config(materialized='view') }}

{#- Type-2 history of dim_users: one row per user per version (valid_from inclusive, valid_to exclusive). -#}

{{ dimension_history(
    snapshot=ref('dim_users'),
    entity_key='id_user',
    attribute_columns=['dim_country', 'dim_signup_month', 'dim_user_status', 'is_host', 'dim_booking_stage'],
    unknown_key='-1',
) }}
