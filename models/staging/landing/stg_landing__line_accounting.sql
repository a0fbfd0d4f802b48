{{ config(materialized='view') }}

{#- Per source and landing ds: every line read is staged, a counted duplicate, or rejected. -#}

{%- set sources = landing_source_names() %}

with

all_lines as (
    {%- for source_name in sources %}
        select
            '{{ source_name }}' as source_name,
            ds,
            line_status
        from {{ ref('stg_' ~ source_name ~ '__lines') }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        source_name,
        ds,
        count(*) as lines_read,
        cast(sum(case when line_status = 'accepted' then 1 else 0 end) as {{ dbt.type_bigint() }}) as lines_staged,
        cast(sum(case when line_status = 'duplicate' then 1 else 0 end) as {{ dbt.type_bigint() }}) as lines_duplicate,
        cast(sum(case when line_status = 'rejected' then 1 else 0 end) as {{ dbt.type_bigint() }}) as lines_rejected
    from all_lines
    group by source_name, ds
)

select * from final
