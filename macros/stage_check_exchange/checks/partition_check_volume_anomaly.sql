{#-
    Check: a partition's volume - `measure`, a SQL aggregate (default
    count(*)) - stays within a band around the trailing `trailing_partitions`
    (default 7) partitions (published, or staged in the same run): within `max_z_score` (default 3)
    standard deviations of their mean, and, when `max_relative_change` is set,
    within that fraction of the mean.

    History starts at the model's first partition that holds rows: the empty
    partitions before it (the lookback partitions of a new warehouse) are no
    history to compare with. A ds with fewer than `min_history` (default 3)
    trailing partitions of history is skipped (skip_reason), not judged.
-#}
{% macro partition_check_volume_anomaly(stage, published, first_ds, last_ds, check) %}
    {%- set measure = check.get('measure', 'count(*)') -%}
    {%- set trailing = check.get('trailing_partitions', 7) | int -%}
    {%- set max_z = check.get('max_z_score', 3) | float -%}
    {%- set max_change = check.get('max_relative_change') -%}
    {%- set min_history = [check.get('min_history', 3) | int, 1] | max -%}
    with

    staged_volume as (
        select
            days.ds,
            coalesce(volume.value, 0) as value
        from ({{ ds_days(first_ds, last_ds) }}) as days
        left join (
            select
                ds,
                cast({{ measure }} as {{ dbt.type_float() }}) as value
            from {{ stage }}
            group by ds
        ) as volume
            on days.ds = volume.ds
    ),

    {#- The model's first partition that holds rows, published before the window or staged. -#}
    history_start as (
        select min(first_rows.ds) as ds
        from (
            select min(ds) as ds from {{ stage }}
            {%- if published is not none %}
            union all
            select min(ds) as ds from {{ published }}
            where ds < {{ ds_literal(first_ds) }}
            {%- endif %}
        ) as first_rows
    ),

    {#- The trailing partitions from the history start on: published ones before the window, and the staged ones. -#}
    history_volume as (
        select
            trailing_volume.ds,
            trailing_volume.value
        from (
            select
                ds,
                value
            from staged_volume
            {%- if published is not none %}
            union all
            select
                ds,
                cast({{ measure }} as {{ dbt.type_float() }}) as value
            from {{ published }}
            where ds >= {{ ds_literal(ds_shift(first_ds, -trailing)) }} and ds < {{ ds_literal(first_ds) }}
            group by ds
            {%- endif %}
        ) as trailing_volume
        inner join history_start
            on trailing_volume.ds >= history_start.ds
    ),

    baselines as (
        select
            staged_volume.ds,
            staged_volume.value,
            count(history_volume.value) as history_partitions,
            avg(history_volume.value) as mean_value,
            coalesce(stddev_samp(history_volume.value), 0) as stddev_value
        from staged_volume
        left join history_volume
            on
                history_volume.ds < staged_volume.ds
                and history_volume.ds >= cast({{ dbt.dateadd('day', -trailing, 'staged_volume.ds') }} as date)
        group by staged_volume.ds, staged_volume.value
    ),

    bands as (
        select
            *,
            {%- if max_change is not none %}
            greatest(mean_value - {{ max_z }} * stddev_value, mean_value * (1 - {{ max_change | float }})) as lower_bound,
            least(mean_value + {{ max_z }} * stddev_value, mean_value * (1 + {{ max_change | float }})) as upper_bound
            {%- else %}
            mean_value - {{ max_z }} * stddev_value as lower_bound,
            mean_value + {{ max_z }} * stddev_value as upper_bound
            {%- endif %}
        from baselines
    ),

    final as (
        select
            ds,
            value as observed_value,
            'within ' || cast(round(lower_bound, 1) as {{ dbt.type_string() }})
            || ' .. ' || cast(round(upper_bound, 1) as {{ dbt.type_string() }})
            || ' (mean of the {{ trailing }} partitions before +- {{ max_z }} sd{{ " and at most " ~ max_change ~ " of the mean" if max_change is not none }})'
            as threshold,
            coalesce(value between lower_bound and upper_bound, false) as passed,
            case
                when history_partitions < {{ min_history }}
                    then 'skipped: not enough history to compare with ('
                    || cast(history_partitions as {{ dbt.type_string() }})
                    || ' of the {{ min_history }} trailing partitions needed hold data)'
            end as skip_reason
        from bands
    )

    select * from final
{% endmacro %}
