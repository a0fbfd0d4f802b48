{{ config(materialized='view') }}

{#- One row per distinct experiment exposure, by landing ds (re-exposures at another time stay). -#}

with

lines as (
    select * from {{ ref('base_assignments__lines') }}
),

final as (
    select
        ds,
        experiment_key,
        variant,
        id_user,
        assigned_at,
        platform
    from lines
    where line_status = 'accepted'
)

select * from final
