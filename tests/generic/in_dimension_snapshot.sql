{#-
    Every non-null `column_name` of a fact row is a member of the dimension
    `to` (a daily snapshot) by the next ds: a dimension row may land a day
    after the fact that references it, or miss a day when its line was
    rejected; until it is there, the fact joins to the unknown member. A key
    the dimension has not seen by then is an orphan. Facts outside the
    dimension's snapshot range are not judged.
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

    first_seen as (
        select
            {{ field }} as member_key,
            min(ds) as first_seen_ds
        from {{ to }}
        group by {{ field }}
    ),

    snapshot_range as (
        select
            min(ds) as earliest_ds,
            max(ds) as latest_ds
        from {{ to }}
    )

    select facts.*
    from facts
    cross join snapshot_range
    left join first_seen
        on facts.member_key = first_seen.member_key
    where
        (
            first_seen.member_key is null
            or first_seen.first_seen_ds > cast({{ dbt.dateadd('day', 1, 'facts.ds') }} as date)
        )
        and facts.ds >= snapshot_range.earliest_ds
        and facts.ds < snapshot_range.latest_ds
{% endtest %}
