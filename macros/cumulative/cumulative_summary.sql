{#-
    A cumulative summary table: one row per subject per ds, carrying
    lifetime and rolling aggregates, computed incrementally as
    cum_today = f(cum_yesterday, facts_today). No earlier fact partition is
    ever read: rolling windows live in the row as compact state (a bit-mask
    of active days, an array of the last days' values).

    Two paths that give identical rows: the daily path (the run owns one ds:
    yesterday's partition joined with today's facts) and the backfill path
    (the run owns a range: one query over the range, seeded from the
    partition before it). Subjects inactive on a day carry forward.

    subject: name of the subject column in the output (id_user)
    inputs: list of {relation, subject: the relation's subject column,
        where: optional SQL filter, counts_as_activity: bool (default true),
        metrics: [{name, expression, aggregations}]}; aggregations among
        sum, count, min, max, first_ds, last_ds (the first and last ds on
        which the metric's sum was not zero), rolling_sum (default [sum])
    rolling_days: the rolling windows, in days (default [7, 28]; at most 62)
-#}
{% macro cumulative_summary(subject, inputs, rolling_days=[7, 28]) -%}
    {%- set metrics = _cumulative_validate(subject, inputs, rolling_days) -%}
    {%- set window = ds_window() -%}
    {%- set first_ds = ds_shift(window.start_ds, -partition_lookback_days()) -%}
    {%- set seed_ds = ds_shift(first_ds, -1) -%}
    {%- set width = rolling_days | max -%}
    {%- set has_seed = is_incremental() and partition_has_rows(this, seed_ds) -%}
    {%- if not has_seed -%}
        {%- for input in inputs -%}
            {%- do _cumulative_assert_no_history(input.relation, first_ds) -%}
        {%- endfor -%}
    {%- endif -%}
    with

    daily as (
        {{ _cumulative_daily(inputs, metrics, first_ds, window.end_ds) }}
    ),

    {%- if has_seed %}

    seed as (
        select * from {{ this }}
        where ds = {{ ds_literal(seed_ds) }}
    ),
    {%- endif %}

    states as (
        {%- if first_ds == window.end_ds %}
        {{ _cumulative_daily_path(subject, metrics, has_seed, width, first_ds) }}
        {%- else %}
        {{ _cumulative_backfill_path(subject, metrics, has_seed, width, first_ds, seed_ds) }}
        {%- endif %}
    ),

    final as (
        select
            ds,
            {{ subject }},
            first_active_ds,
            last_active_ds,
            cast({{ dbt.datediff('first_active_ds', 'ds', 'day') }} as {{ dbt.type_int() }}) as m_days_since_first_active,
            cast({{ dbt.datediff('last_active_ds', 'ds', 'day') }} as {{ dbt.type_int() }}) as m_days_since_last_active,
            {%- for days in rolling_days %}
            cast({{ bit_count('activity_mask & ' ~ (2 ** days - 1)) }} as {{ dbt.type_int() }}) as m_active_days_l{{ days }},
            {%- endfor %}
            {%- for metric in metrics %}
            {%- if 'sum' in metric.aggregations %}
            cast(m_{{ metric.name }}_lifetime as {{ dbt.type_numeric() }}) as m_{{ metric.name }}_lifetime,
            {%- endif %}
            {%- if 'count' in metric.aggregations %}
            cast(m_{{ metric.name }}_lifetime_count as {{ dbt.type_bigint() }}) as m_{{ metric.name }}_lifetime_count,
            {%- endif %}
            {%- if 'min' in metric.aggregations %}
            m_{{ metric.name }}_min,
            {%- endif %}
            {%- if 'max' in metric.aggregations %}
            m_{{ metric.name }}_max,
            {%- endif %}
            {%- if 'first_ds' in metric.aggregations %}
            {{ metric.name }}_first_ds,
            {%- endif %}
            {%- if 'last_ds' in metric.aggregations %}
            {{ metric.name }}_last_ds,
            {%- endif %}
            {%- if 'rolling_sum' in metric.aggregations %}
            {{ metric.name }}_recent,
            {%- for days in rolling_days %}
            {%- set elements = [] %}
            {%- for position in range(1, days + 1) %}
                {%- do elements.append('coalesce(' ~ array_element(metric.name ~ '_recent', position) ~ ', 0)') %}
            {%- endfor %}
            cast({{ elements | join(' + ') }} as {{ dbt.type_numeric() }}) as m_{{ metric.name }}_l{{ days }},
            {%- endfor %}
            {%- endif %}
            {%- endfor %}
            cast(activity_mask as {{ dbt.type_bigint() }}) as activity_mask
        from states
    )

    select * from final
{%- endmacro %}


{#- The validated metrics of all inputs, each with its input's position; fails naming the bad argument. -#}
{% macro _cumulative_validate(subject, inputs, rolling_days) %}
    {%- set allowed = ['sum', 'count', 'min', 'max', 'first_ds', 'last_ds', 'rolling_sum'] -%}
    {%- set identifier = '[a-z_][a-z0-9_]*' -%}
    {%- if not modules.re.fullmatch(identifier, subject) -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": cumulative_summary subject '" ~ subject ~ "' must be a lower-case column name") }}
    {%- endif -%}
    {%- if not rolling_days or rolling_days | select('number') | list | length != rolling_days | length
        or rolling_days | min < 1 or rolling_days | max > 62 -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": cumulative_summary rolling_days must be whole days from 1 to 62, got " ~ rolling_days) }}
    {%- endif -%}
    {%- if not inputs -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": cumulative_summary needs at least one input") }}
    {%- endif -%}
    {%- set metrics = [] -%}
    {%- set names = [] -%}
    {%- for input in inputs -%}
        {%- if input.relation is not defined or input.subject is not defined or not input.metrics -%}
            {{ exceptions.raise_compiler_error(
                model.name ~ ": cumulative_summary input #" ~ loop.index ~ " needs relation, subject and metrics, got " ~ input
            ) }}
        {%- endif -%}
        {%- set input_index = loop.index0 -%}
        {%- for metric in input.metrics -%}
            {%- set aggregations = metric.get('aggregations', ['sum']) -%}
            {%- if not modules.re.fullmatch(identifier, metric.get('name', '')) or metric.name in names -%}
                {{ exceptions.raise_compiler_error(
                    model.name ~ ": cumulative_summary metric name '" ~ metric.get('name') ~ "' is missing, not a column name, or repeated"
                ) }}
            {%- endif -%}
            {%- if not metric.get('expression') -%}
                {{ exceptions.raise_compiler_error(model.name ~ ": cumulative_summary metric '" ~ metric.name ~ "' needs an expression") }}
            {%- endif -%}
            {%- for aggregation in aggregations if aggregation not in allowed -%}
                {{ exceptions.raise_compiler_error(
                    model.name ~ ": cumulative_summary metric '" ~ metric.name ~ "' has unknown aggregation '" ~ aggregation
                    ~ "'; use " ~ allowed | join(', ')
                ) }}
            {%- endfor -%}
            {%- do names.append(metric.name) -%}
            {%- do metrics.append({'name': metric.name, 'expression': metric.expression, 'aggregations': aggregations, 'input': input_index}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(metrics) }}
{% endmacro %}


{#- Without a seed partition, the summary can only start where its inputs start. -#}
{% macro _cumulative_assert_no_history(relation, first_ds) %}
    {%- if execute and load_relation(relation) is not none -%}
        {%- set earlier = run_query("select min(ds) from " ~ relation ~ " where ds < " ~ ds_literal(first_ds)).columns[0].values()[0] -%}
        {%- if earlier is not none -%}
            {{ exceptions.raise_compiler_error(
                model.name ~ " has no partition before " ~ first_ds ~ " to build on, but " ~ relation ~ " has data from " ~ earlier
                ~ ". Backfill it from there: dbt run --select " ~ model.name ~ " --vars '{start_ds: \"" ~ earlier ~ "\", end_ds: \""
                ~ ds_window().end_ds ~ "\"}'"
            ) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}


{#- Per ds and subject: activity rows and each metric's sum, count, min and max over the inputs. -#}
{% macro _cumulative_daily(inputs, metrics, first_ds, last_ds) -%}
    select
        ds,
        subject,
        sum(activity_rows) as activity_rows,
        {%- for metric in metrics %}
        sum({{ metric.name }}__sum) as {{ metric.name }}__sum,
        sum({{ metric.name }}__count) as {{ metric.name }}__count,
        min({{ metric.name }}__min) as {{ metric.name }}__min,
        max({{ metric.name }}__max) as {{ metric.name }}__max{{ "," if not loop.last }}
        {%- endfor %}
    from (
        {%- for input in inputs %}
        {%- set input_index = loop.index0 %}
        select
            ds,
            {{ input.subject }} as subject,
            {{ 'count(*)' if input.get('counts_as_activity', true) else '0' }} as activity_rows,
            {%- for metric in metrics %}
            {%- if metric.input == input_index %}
            cast(sum({{ metric.expression }}) as {{ dbt.type_numeric() }}) as {{ metric.name }}__sum,
            count({{ metric.expression }}) as {{ metric.name }}__count,
            cast(min({{ metric.expression }}) as {{ dbt.type_numeric() }}) as {{ metric.name }}__min,
            cast(max({{ metric.expression }}) as {{ dbt.type_numeric() }}) as {{ metric.name }}__max{{ "," if not loop.last }}
            {%- else %}
            cast(null as {{ dbt.type_numeric() }}) as {{ metric.name }}__sum,
            cast(null as {{ dbt.type_bigint() }}) as {{ metric.name }}__count,
            cast(null as {{ dbt.type_numeric() }}) as {{ metric.name }}__min,
            cast(null as {{ dbt.type_numeric() }}) as {{ metric.name }}__max{{ "," if not loop.last }}
            {%- endif %}
            {%- endfor %}
        from {{ input.relation }}
        where
            ds between {{ ds_literal(first_ds) }} and {{ ds_literal(last_ds) }}
            and {{ input.subject }} is not null
            {%- if input.get('where') %}
            and ({{ input.where }})
            {%- endif %}
        group by ds, {{ input.subject }}
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ) as per_input
    group by ds, subject
{%- endmacro %}


{#- cum_D = f(cum_{D-1}, facts_D): yesterday's rows full-outer-joined with today's. -#}
{% macro _cumulative_daily_path(subject, metrics, has_seed, width, ds) -%}
    {%- set active_today = 'coalesce(today.activity_rows, 0) > 0' -%}
    select
        {{ ds_literal(ds) }} as ds,
        {{ 'coalesce(previous.' ~ subject ~ ', today.subject)' if has_seed else 'today.subject' }} as {{ subject }},
        coalesce({{ _previous('first_active_ds', has_seed) }}, case when {{ active_today }} then {{ ds_literal(ds) }} end) as first_active_ds,
        case when {{ active_today }} then {{ ds_literal(ds) }} else {{ _previous('last_active_ds', has_seed) }} end as last_active_ds,
        ({{ bit_shift_left('coalesce(' ~ _previous('activity_mask', has_seed) ~ ', 0)', 1) }}
            | case when {{ active_today }} then 1 else 0 end) & {{ 2 ** width - 1 }} as activity_mask
        {%- for metric in metrics %}
        {%- set name = metric.name %}
        {%- if 'sum' in metric.aggregations %},
        coalesce({{ _previous('m_' ~ name ~ '_lifetime', has_seed) }}, 0) + coalesce(today.{{ name }}__sum, 0) as m_{{ name }}_lifetime
        {%- endif %}
        {%- if 'count' in metric.aggregations %},
        coalesce({{ _previous('m_' ~ name ~ '_lifetime_count', has_seed) }}, 0) + coalesce(today.{{ name }}__count, 0) as m_{{ name }}_lifetime_count
        {%- endif %}
        {%- if 'min' in metric.aggregations %},
        least({{ _previous('m_' ~ name ~ '_min', has_seed) }}, today.{{ name }}__min) as m_{{ name }}_min
        {%- endif %}
        {%- if 'max' in metric.aggregations %},
        greatest({{ _previous('m_' ~ name ~ '_max', has_seed) }}, today.{{ name }}__max) as m_{{ name }}_max
        {%- endif %}
        {%- if 'first_ds' in metric.aggregations %},
        coalesce({{ _previous(name ~ '_first_ds', has_seed) }}, case when today.{{ name }}__sum <> 0 then {{ ds_literal(ds) }} end) as {{ name }}_first_ds
        {%- endif %}
        {%- if 'last_ds' in metric.aggregations %},
        case when today.{{ name }}__sum <> 0 then {{ ds_literal(ds) }} else {{ _previous(name ~ '_last_ds', has_seed) }} end as {{ name }}_last_ds
        {%- endif %}
        {%- if 'rolling_sum' in metric.aggregations %}
        {%- set items = ['cast(coalesce(today.' ~ name ~ '__sum, 0) as ' ~ dbt.type_numeric() ~ ')'] %}
        {%- for position in range(1, width) %}
            {%- do items.append('cast(coalesce(' ~ array_element(_previous(name ~ '_recent', has_seed), position) ~ ', 0) as ' ~ dbt.type_numeric() ~ ')') %}
        {%- endfor %},
        {{ array_of(items) }} as {{ name }}_recent
        {%- endif %}
        {%- endfor %}
    {%- if has_seed %}
    from seed as previous
    full outer join (select * from daily where ds = {{ ds_literal(ds) }}) as today
        on previous.{{ subject }} = today.subject
    {%- else %}
    from (select * from daily where ds = {{ ds_literal(ds) }}) as today
    {%- endif %}
{%- endmacro %}


{% macro _previous(column, has_seed) -%}
    {{ 'previous.' ~ column if has_seed else 'null' }}
{%- endmacro %}


{#- A range in one query: every subject on every day from its first, seeded from the partition before the range. -#}
{% macro _cumulative_backfill_path(subject, metrics, has_seed, width, first_ds, seed_ds) -%}
    {%- set days_since_seed = dbt.datediff(ds_literal(seed_ds), 'grid.ds', 'day') -%}
    select
        grid.ds,
        grid.subject as {{ subject }},
        coalesce(
            {{ 'seed.first_active_ds' if has_seed else 'null' }},
            min(case when daily.activity_rows > 0 then grid.ds end) over running
        ) as first_active_ds,
        coalesce(
            max(case when daily.activity_rows > 0 then grid.ds end) over running,
            {{ 'seed.last_active_ds' if has_seed else 'null' }}
        ) as last_active_ds,
        (
            {%- for position in range(width) %}
            case
                when {{ days_since_seed }} > {{ position }}
                    then {{ bit_shift_left('coalesce(lag(case when daily.activity_rows > 0 then 1 else 0 end, ' ~ position ~ ') over by_day, 0)', position) }}
                else 0
            end +
            {%- endfor %}
            {%- if has_seed %}
            case
                when {{ days_since_seed }} < {{ width }}
                    then {{ bit_shift_left('coalesce(seed.activity_mask, 0)', days_since_seed) }} & {{ 2 ** width - 1 }}
                else 0
            end
            {%- else %}
            0
            {%- endif %}
        ) as activity_mask
        {%- for metric in metrics %}
        {%- set name = metric.name %}
        {%- if 'sum' in metric.aggregations %},
        coalesce({{ 'seed.m_' ~ name ~ '_lifetime' if has_seed else 'null' }}, 0)
        + sum(coalesce(daily.{{ name }}__sum, 0)) over running as m_{{ name }}_lifetime
        {%- endif %}
        {%- if 'count' in metric.aggregations %},
        coalesce({{ 'seed.m_' ~ name ~ '_lifetime_count' if has_seed else 'null' }}, 0)
        + sum(coalesce(daily.{{ name }}__count, 0)) over running as m_{{ name }}_lifetime_count
        {%- endif %}
        {%- if 'min' in metric.aggregations %},
        least({{ 'seed.m_' ~ name ~ '_min' if has_seed else 'null' }}, min(daily.{{ name }}__min) over running) as m_{{ name }}_min
        {%- endif %}
        {%- if 'max' in metric.aggregations %},
        greatest({{ 'seed.m_' ~ name ~ '_max' if has_seed else 'null' }}, max(daily.{{ name }}__max) over running) as m_{{ name }}_max
        {%- endif %}
        {%- if 'first_ds' in metric.aggregations %},
        coalesce(
            {{ 'seed.' ~ name ~ '_first_ds' if has_seed else 'null' }},
            min(case when daily.{{ name }}__sum <> 0 then grid.ds end) over running
        ) as {{ name }}_first_ds
        {%- endif %}
        {%- if 'last_ds' in metric.aggregations %},
        coalesce(
            max(case when daily.{{ name }}__sum <> 0 then grid.ds end) over running,
            {{ 'seed.' ~ name ~ '_last_ds' if has_seed else 'null' }}
        ) as {{ name }}_last_ds
        {%- endif %}
        {%- if 'rolling_sum' in metric.aggregations %}
        {%- set items = [] %}
        {%- for position in range(width) %}
            {%- set from_seed = array_element('seed.' ~ name ~ '_recent', '(' ~ position ~ ' - ' ~ days_since_seed ~ ' + 1)') if has_seed else 'null' %}
            {%- do items.append(
                'cast(case when ' ~ days_since_seed ~ ' > ' ~ position
                ~ ' then coalesce(lag(daily.' ~ name ~ '__sum, ' ~ position ~ ') over by_day, 0)'
                ~ ' else coalesce(' ~ from_seed ~ ', 0) end as ' ~ dbt.type_numeric() ~ ')'
            ) %}
        {%- endfor %},
        {{ array_of(items) }} as {{ name }}_recent
        {%- endif %}
        {%- endfor %}
    from (
        select
            days.ds,
            subjects.subject
        from (
            select
                subject,
                min(ds) as first_ds
            from (
                select
                    subject,
                    ds
                from daily
                {%- if has_seed %}
                union all
                select
                    {{ subject }} as subject,
                    {{ ds_literal(first_ds) }} as ds
                from seed
                {%- endif %}
            ) as appearances
            group by subject
        ) as subjects
        inner join ({{ window_days(lookback_days=partition_lookback_days()) }}) as days
            on days.ds >= subjects.first_ds
    ) as grid
    left join daily
        on
            grid.ds = daily.ds
            and grid.subject = daily.subject
    {%- if has_seed %}
    left join seed
        on grid.subject = seed.{{ subject }}
    {%- endif %}
    window
        by_day as (partition by grid.subject order by grid.ds),
        running as (partition by grid.subject order by grid.ds rows between unbounded preceding and current row)
{%- endmacro %}
