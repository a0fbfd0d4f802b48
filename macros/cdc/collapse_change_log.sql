{#-
    Daily snapshots of a CDC change log: one row per live entity per ds of
    the run's window, holding the image of its latest change (by change_id)
    landed up to that ds; an entity whose latest change is a delete is gone.
    The state before the window is yesterday's partition of this model; when
    that partition does not exist yet (first build, full refresh), it is
    collapsed from the change log before the window.

    changes: relation with ds, change_id, op, changed_at, entity_key and image_columns
    entity_key: column naming the entity (id_user)
    image_columns: the columns of the row image to carry
    landing_source: the landing source of the change log (to check its history is staged)
-#}
{% macro collapse_change_log(changes, entity_key, image_columns, landing_source) -%}
    {%- set window = ds_window() -%}
    {%- set day_before = ds_shift(window.start_ds, -1) -%}
    {%- set carried = [entity_key] + image_columns + ['changed_at'] -%}
    {%- set has_previous_partition = is_incremental() and partition_has_rows(this, day_before) -%}
    {%- if not has_previous_partition -%}
        {%- do assert_history_is_published(changes, landing_source, window.start_ds) -%}
    {%- endif -%}
    with

    state_before as (
        {%- if has_previous_partition %}
        select
            ds,
            last_change_id as change_id,
            'u' as op,
            {{ carried | join(', ') }}
        from {{ this }}
        where ds = {{ ds_literal(day_before) }}
        {%- else %}
        select
            {{ ds_literal(day_before) }} as ds,
            change_id,
            op,
            {{ carried | join(', ') }}
        from (
            select
                *,
                row_number() over (partition by {{ entity_key }} order by change_id desc) as change_rank
            from {{ changes }}
            where ds < {{ ds_literal(window.start_ds) }}
        ) as history
        where change_rank = 1
        {%- endif %}
    ),

    changes_in_window as (
        select
            ds,
            change_id,
            op,
            {{ carried | join(', ') }}
        from {{ changes }}
        where {{ ds_in_window('ds') }}
    ),

    all_changes as (
        select * from state_before
        union all
        select * from changes_in_window
    ),

    {#- The last change of each entity on each ds, unless an earlier ds already saw a later change. -#}
    daily_images as (
        select
            *,
            row_number() over (partition by {{ entity_key }}, ds order by change_id desc) as change_rank,
            max(change_id) over (
                partition by {{ entity_key }}
                order by ds
                rows between unbounded preceding and 1 preceding
            ) as latest_earlier_change_id
        from all_changes
    ),

    versions as (
        select
            *,
            lead(ds) over (partition by {{ entity_key }} order by ds) as next_version_ds
        from daily_images
        where
            change_rank = 1
            and change_id > coalesce(latest_earlier_change_id, -1)
    ),

    days as (
        {{ window_days() }}
    ),

    final as (
        select
            days.ds,
            {%- for column in carried %}
            versions.{{ column }},
            {%- endfor %}
            versions.change_id as last_change_id
        from versions
        inner join days
            on
                versions.ds <= days.ds
                and (versions.next_version_ds is null or days.ds < versions.next_version_ds)
        where versions.op <> 'd'
    )

    select * from final
{%- endmacro %}
