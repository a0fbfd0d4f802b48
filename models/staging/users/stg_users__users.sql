{#- Daily snapshot of the users table: one row per live user per ds (latest change wins, deletes honoured). -#}

{{ collapse_change_log(
    changes=ref('stg_users__user_changes'),
    entity_key='id_user',
    landing_source='users',
    image_columns=['email_hash', 'dim_country', 'signup_at', 'user_status'],
) }}
