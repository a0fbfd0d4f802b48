{{ config(materialized='view') }}

{#-
    Per source and landing ds: every line read is staged, a counted duplicate,
    or rejected; every file in the partition folder that was not read is
    counted too (the lines models hold one rejected row per such file).
-#}

{%- set sources = landing_source_names() %}

with

all_rows as (
    {%- for source_name in sources %}
        select
            '{{ source_name }}' as source_name,
            ds,
            line_status,
            reject_reason
        from {{ ref('base_' ~ source_name ~ '__lines') }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

kinds as (
    select
        source_name,
        ds,
        line_status,
        case
            when reject_reason = 'unexpected_file' then 'unexpected_file'
            when reject_reason = 'unreadable_file' then 'unreadable_file'
            else 'line'
        end as row_kind
    from all_rows
),

final as (
    select
        source_name,
        ds,
        cast(sum(case when row_kind = 'line' then 1 else 0 end) as {{ dbt.type_bigint() }}) as lines_read,
        cast(sum(case when row_kind = 'line' and line_status = 'accepted' then 1 else 0 end) as {{ dbt.type_bigint() }}) as lines_staged,
        cast(sum(case when row_kind = 'line' and line_status = 'duplicate' then 1 else 0 end) as {{ dbt.type_bigint() }}) as lines_duplicate,
        cast(sum(case when row_kind = 'line' and line_status = 'rejected' then 1 else 0 end) as {{ dbt.type_bigint() }}) as lines_rejected,
        cast(sum(case when row_kind = 'unexpected_file' then 1 else 0 end) as {{ dbt.type_bigint() }}) as unexpected_files,
        cast(sum(case when row_kind = 'unreadable_file' then 1 else 0 end) as {{ dbt.type_bigint() }}) as unreadable_files
    from kinds
    group by source_name, ds
)

select * from final
