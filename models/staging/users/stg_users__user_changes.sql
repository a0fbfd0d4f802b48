{{ config(materialized='view') }}

{#- One row per accepted change of the users change log, by landing ds. -#}

with

lines as (
    select * from {{ ref('base_users__lines') }}
),

final as (
    select
        ds,
        change_id,
        op,
        changed_at,
        id_user,
        email_hash,
        dim_country,
        signup_at,
        user_status
    from lines
    where line_status = 'accepted'
)

select * from final
