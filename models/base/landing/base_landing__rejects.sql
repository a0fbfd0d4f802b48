{{ config(materialized='view') }}

{#-
    Every landed line that could not be used, with the source, ds, the raw
    line and the reason; and every file of a partition folder that was not
    read (unexpected_file, unreadable_file), with its path and a null raw line.
-#}

{%- set sources = landing_source_names() %}

with

final as (
    {%- for source_name in sources %}
        select
            '{{ source_name }}' as source_name,
            ds,
            source_file,
            line_occurrence,
            raw_line,
            reject_reason
        from {{ ref('base_' ~ source_name ~ '__lines') }}
        where line_status = 'rejected'
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from final
