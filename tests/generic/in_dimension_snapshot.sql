{#-
    Every non-null `column_name` of a fact row has a member in the dimension
    snapshot `to` of the same ds, or of the next ds (a dimension row may land
    a day after the fact that references it: until then the fact joins to the
    unknown member). Rows outside the dimension's snapshot range are not judged.
-#}
{% test in_dimension_snapshot(model, column_name, to, field, ds_column='ds') %}
    with

    facts as (
        select
            {{ ds_column }} as ds,
            {{ column_name }} as member_key
        from {{ model }}
        where {{ column_name }} is not null
    ),

    members as (
        select
            ds,
            {{ field }} as member_key
        from {{ to }}
    ),

    snapshot_range as (
        select
            min(ds) as earliest_ds,
            max(ds) as latest_ds
        from members
    )

    select facts.*
    from facts
    cross join snapshot_range
    left join members as same_day
        on
            facts.ds = same_day.ds
            and facts.member_key = same_day.member_key
    left join members as next_day
        on
            next_day.ds = cast({{ dbt.dateadd('day', 1, 'facts.ds') }} as date)
            and facts.member_key = next_day.member_key
    where
        same_day.member_key is null
        and next_day.member_key is null
        and facts.ds >= snapshot_range.earliest_ds
        and facts.ds < snapshot_range.latest_ds
{% endtest %}
