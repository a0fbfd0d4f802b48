{#-
    Check: values of `column` never seen in the trailing `trailing_partitions`
    (default 7) partitions before each ds, published or staged in the same
    run (observed: how many distinct new values). With no earlier partition
    yet, nothing is unseen.
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

    unseen as (
        select
            staged_values.ds,
            staged_values.value
        from staged_values
        where
            exists (
                select 1 from history
                where
                    history.ds < staged_values.ds
                    and history.ds >= cast({{ dbt.dateadd('day', -trailing, 'staged_values.ds') }} as date)
            )
            and not exists (
                select 1 from history
                where
                    history.value = staged_values.value
                    and history.ds < staged_values.ds
                    and history.ds >= cast({{ dbt.dateadd('day', -trailing, 'staged_values.ds') }} as date)
            )
    ),

    final as (
        select
            days.ds,
            count(unseen.value) as observed_value,
            'no {{ column }} unseen in the {{ trailing }} partitions before' as threshold,
            count(unseen.value) = 0 as passed
        from ({{ ds_days(first_ds, last_ds) }}) as days
        left join unseen
            on days.ds = unseen.ds
        group by days.ds
    )

    select * from final
{% endmacro %}
