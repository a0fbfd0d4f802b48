{#-
    The changes landed in the run window (widened by lookback_days
    before it and lookahead_days after it, for late changes of the
    window's dates that later runs have already staged),
    each with the image the entity had just before it (previous_<column>,
    previous_change_id; previous_op is null when that image is the snapshot's),
    taken from the previous change or, for the first change read, from the
    snapshot partition the day before the first landing ds read.

    changes: CDC relation (ds = landing ds, change_id, op, changed_at, entity_key, image_columns)
    snapshot: daily snapshot of the same entity (ds, entity_key, image_columns, last_change_id)
-#}
{% macro change_log_with_previous_image(changes, snapshot, entity_key, image_columns, lookback_days=0, lookahead_days=0) -%}
    {%- set window = ds_window() -%}
    {%- set first_landing_ds = ds_shift(window.start_ds, -(lookback_days | int)) -%}
    with

    state_before as (
        select
            cast(null as date) as landing_ds,
            last_change_id as change_id,
            cast(null as {{ dbt.type_string() }}) as op,
            changed_at,
            {{ entity_key }},
            {{ image_columns | join(', ') }}
        from {{ snapshot }}
        where ds = {{ ds_literal(ds_shift(first_landing_ds, -1)) }}
    ),

    changes_read as (
        select
            ds as landing_ds,
            change_id,
            op,
            changed_at,
            {{ entity_key }},
            {{ image_columns | join(', ') }}
        from {{ changes }}
        where {{ ds_in_window('ds', lookback_days=lookback_days, lookahead_days=lookahead_days) }}
    ),

    sequenced as (
        select
            *,
            {%- for column in image_columns %}
            lag({{ column }}) over (partition by {{ entity_key }} order by change_id) as previous_{{ column }},
            {%- endfor %}
            lag(op) over (partition by {{ entity_key }} order by change_id) as previous_op,
            lag(change_id) over (partition by {{ entity_key }} order by change_id) as previous_change_id
        from (
            select * from state_before
            union all
            select * from changes_read
        ) as all_images
    )

    select * from sequenced
    where landing_ds is not null
{%- endmacro %}
