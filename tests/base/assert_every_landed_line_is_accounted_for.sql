{#-
    Counts the run window's landed lines and files again, independently of
    the staging reader (count_landing_lines: its own walk of each partition
    folder and a newline count of each gzip stream), and returns every
    (source, ds) whose count differs from the line accounting: lines read and
    lines staged + counted as duplicates + rejected, unexpected and
    unreadable files.
-#}
{%- set sources = landing_source_names() %}

with

landed_counts as (
    {%- for source_name in sources %}
        select
            '{{ source_name }}' as source_name,
            ds,
            lines_landed,
            unexpected_files,
            unreadable_files
        from ({{ count_landing_lines(source_name) }}) as landed
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

landed as (
    {#- A partition with nothing in it (only _SUCCESS) has no accounting row. -#}
    select *
    from landed_counts
    where lines_landed + unexpected_files + unreadable_files > 0
),

accounted as (
    select
        source_name,
        ds,
        lines_read,
        unexpected_files,
        unreadable_files,
        lines_staged + lines_duplicate + lines_rejected as accounted_lines
    from {{ ref('base_landing__line_accounting') }}
    where {{ ds_in_window('ds') }}
),

final as (
    select
        landed.lines_landed,
        accounted.lines_read,
        accounted.accounted_lines,
        landed.unexpected_files as landed_unexpected_files,
        accounted.unexpected_files as accounted_unexpected_files,
        landed.unreadable_files as landed_unreadable_files,
        accounted.unreadable_files as accounted_unreadable_files,
        coalesce(landed.source_name, accounted.source_name) as source_name,
        coalesce(landed.ds, accounted.ds) as ds
    from landed
    full outer join accounted
        on
            landed.source_name = accounted.source_name
            and landed.ds = accounted.ds
    where
        landed.lines_landed is null
        or accounted.accounted_lines is null
        or landed.lines_landed <> accounted.accounted_lines
        or landed.lines_landed <> accounted.lines_read
        or landed.unexpected_files <> accounted.unexpected_files
        or landed.unreadable_files <> accounted.unreadable_files
)

select * from final
