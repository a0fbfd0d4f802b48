{#-
    Reads the run window's landing files again, independently of the staging
    models, and returns every (source, ds) whose raw line count differs from
    the lines staged + counted as duplicates + rejected.
-#}
{%- set sources = landing_source_names() %}

with

raw_counts as (
    {%- for source_name in sources %}
        select
            '{{ source_name }}' as source_name,
            ds,
            count(*) as raw_lines
        from ({{ read_landing_lines(source_name) }}) as landed
        group by ds
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

accounted as (
    select
        source_name,
        ds,
        lines_read,
        lines_staged + lines_duplicate + lines_rejected as accounted_lines
    from {{ ref('stg_landing__line_accounting') }}
    where {{ ds_in_window('ds') }}
),

final as (
    select
        raw_counts.raw_lines,
        accounted.lines_read,
        accounted.accounted_lines,
        coalesce(raw_counts.source_name, accounted.source_name) as source_name,
        coalesce(raw_counts.ds, accounted.ds) as ds
    from raw_counts
    full outer join accounted
        on
            raw_counts.source_name = accounted.source_name
            and raw_counts.ds = accounted.ds
    where
        raw_counts.raw_lines is null
        or accounted.accounted_lines is null
        or raw_counts.raw_lines <> accounted.accounted_lines
        or raw_counts.raw_lines <> accounted.lines_read
)

select * from final
