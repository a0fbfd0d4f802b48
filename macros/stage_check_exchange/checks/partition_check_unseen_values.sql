{#-
    Check: values of `column` never seen in the trailing `trailing_partitions`
    (default 7) partitions before each ds, published or staged in the same
    run (observed: how many distinct new values). A ds whose trailing
    partitions hold no value of `column` yet (the first partitions of a new
    warehouse) has no history to compare with: it is skipped (skip_reason).
-#}
{% macro partition_check_unseen_values(stage, published, first_ds, last_ds, check) %}
    {%- set trailing = check.get('trailing_partitions', 7) | int -%}
    {%- set column = check.column -%}
    with

    staged_values as (
        select distinct
            ds,
            {{ column }} as value
        from {{ stage }}
        where {{ column }} is not null
    ),

    {#- The trailing partitions: published ones before the window, and the staged ones. -#}
    history as (
        select * from staged_values
        {%- if published is not none %}
        union all
        select distinct
            ds,
            {{ column }} as value
        from {{ published }}
        where
            ds >= {{ ds_literal(ds_shift(first_ds, -trailing)) }}
            and ds < {{ ds_literal(first_ds) }}
            and {{ column }} is not null
        {%- endif %}
    ),

    history_days as (
        select
            days.ds,
            count(distinct history.ds) as history_partitions
        from ({{ ds_days(first_ds, last_ds) }}) as days
        left join history
            on
                history.ds < days.ds
                and history.ds >= cast({{ dbt.dateadd('day', -trailing, 'days.ds') }} as date)
        group by days.ds
    ),

    unseen as (
        select
            staged_values.ds,
            staged_values.value
        from staged_values
        where
            not exists (
                select 1 from history
                where
                    history.value = staged_values.value
                    and history.ds < staged_values.ds
                    and history.ds >= cast({{ dbt.dateadd('day', -trailing, 'staged_values.ds') }} as date)
            )
    ),

    unseen_counts as (
        select
            history_days.ds,
            history_days.history_partitions,
            count(unseen.value) as unseen_count
        from history_days
        left join unseen
            on history_days.ds = unseen.ds
        group by history_days.ds, history_days.history_partitions
    ),

    final as (
        select
            ds,
            case when history_partitions > 0 then unseen_count end as observed_value,
            'no {{ column }} unseen in the {{ trailing }} partitions before' as threshold,
            unseen_count = 0 as passed,
            case
                when history_partitions = 0
                    then 'skipped: no history to compare with (no {{ column }} in the {{ trailing }} partitions before)'
            end as skip_reason
        from unseen_counts
    )

    select * from final
{% endmacro %}
