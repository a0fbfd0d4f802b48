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
        metrics: [{name, expression, aggregations}]}; aggregations among the
        kinds of _cumulative_aggregations: sum, count, min, max, first_ds,
        last_ds (the first and last ds on which the metric's sum was not
        zero), rolling_sum (default [sum])
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
            {%- for kind in _cumulative_aggregations() if kind.name in metric.aggregations %}
            {%- set fields = _cumulative_fields(metric, kind, rolling_days=rolling_days) %}
            {%- for column in kind.final %}
            {{ _cumulative_step(column, fields) }},
            {%- endfor %}
            {%- endfor %}
            {%- endfor %}
            cast(activity_mask as {{ dbt.type_bigint() }}) as activity_mask
        from states
    )

    select * from final
{%- endmacro %}


{#-
    The aggregation kinds, in the order their columns appear; adding a kind is
    one entry. Each kind names:
      day: the per-day partial it reads, computed per input and ds (aggregate),
        then merged across inputs (merge); kinds may share a partial
      state: the column it keeps in the summary
      daily: the state on ds from the previous day's state ({previous}) and
        the day's partial ({today}, the day being {ds})
      scan: the state on each ds of a range from the seed's state
        ({previous}) and the window functions over the partials ({today})
        up to it: `over running` (every day so far), `over by_day` (lag)
      final: the output columns
    A step is SQL with those {fields} (see _cumulative_fields) or a macro
    called with the fields.
-#}
{% macro _cumulative_aggregations() %}
    {%- set numeric, bigint = dbt.type_numeric(), dbt.type_bigint() -%}
    {%- set day_sum = {'name': 'sum', 'aggregate': 'cast(sum({expression}) as ' ~ numeric ~ ')', 'merge': 'sum', 'type': numeric} -%}
    {%- set day_count = {'name': 'count', 'aggregate': 'count({expression})', 'merge': 'sum', 'type': bigint} -%}
    {%- set day_min = {'name': 'min', 'aggregate': 'cast(min({expression}) as ' ~ numeric ~ ')', 'merge': 'min', 'type': numeric} -%}
    {%- set day_max = {'name': 'max', 'aggregate': 'cast(max({expression}) as ' ~ numeric ~ ')', 'merge': 'max', 'type': numeric} -%}
    {{ return([
        {'name': 'sum', 'day': day_sum, 'state': 'm_{name}_lifetime', 'final': ['cast({state} as ' ~ numeric ~ ') as {state}'],
            'daily': 'coalesce({previous}, 0) + coalesce({today}, 0)',
            'scan': 'coalesce({previous}, 0) + sum(coalesce({today}, 0)) over running'},
        {'name': 'count', 'day': day_count, 'state': 'm_{name}_lifetime_count', 'final': ['cast({state} as ' ~ bigint ~ ') as {state}'],
            'daily': 'coalesce({previous}, 0) + coalesce({today}, 0)',
            'scan': 'coalesce({previous}, 0) + sum(coalesce({today}, 0)) over running'},
        {'name': 'min', 'day': day_min, 'state': 'm_{name}_min', 'final': ['{state}'],
            'daily': 'least({previous}, {today})',
            'scan': 'least({previous}, min({today}) over running)'},
        {'name': 'max', 'day': day_max, 'state': 'm_{name}_max', 'final': ['{state}'],
            'daily': 'greatest({previous}, {today})',
            'scan': 'greatest({previous}, max({today}) over running)'},
        {'name': 'first_ds', 'day': day_sum, 'state': '{name}_first_ds', 'final': ['{state}'],
            'daily': 'coalesce({previous}, case when {today} <> 0 then {ds} end)',
            'scan': 'coalesce({previous}, min(case when {today} <> 0 then {ds} end) over running)'},
        {'name': 'last_ds', 'day': day_sum, 'state': '{name}_last_ds', 'final': ['{state}'],
            'daily': 'case when {today} <> 0 then {ds} else {previous} end',
            'scan': 'coalesce(max(case when {today} <> 0 then {ds} end) over running, {previous})'},
        {'name': 'rolling_sum', 'day': day_sum, 'state': '{name}_recent', 'final': ['{state}', _cumulative_rolling_final],
            'daily': _cumulative_rolling_daily,
            'scan': _cumulative_rolling_scan},
    ]) }}
{% endmacro %}


{#-
    What a kind's steps see: name (the metric's), partial (the day's partial column), state (the kind's column),
    previous (the previous state, `previous_from` ~ state, or null without it), today (`today_from` ~ partial), and the kwargs
    the step passes: ds and width (daily and scan), has_seed and days_since_seed (scan), rolling_days (final).
-#}
{% macro _cumulative_fields(metric, kind, previous_from=none, today_from='') %}
    {%- set fields = {'name': metric.name, 'partial': metric.name ~ '__' ~ kind.day.name} -%}
    {%- do fields.update({'state': kind.state.format(**fields)}) -%}
    {%- do fields.update({'previous': previous_from ~ fields.state if previous_from else 'null', 'today': today_from ~ fields.partial}) -%}
    {%- do fields.update(kwargs) -%}
    {{ return(fields) }}
{% endmacro %}


{#- A step of an aggregation kind, rendered with its fields: a SQL template or a macro. -#}
{% macro _cumulative_step(step, fields) -%}
    {{ step.format(**fields) if step is string else step(fields) }}
{%- endmacro %}


{#- rolling_sum, daily: the day's sum, then the previous state's first width - 1 days. -#}
{% macro _cumulative_rolling_daily(fields) -%}
    {%- set items = ['cast(coalesce(' ~ fields.today ~ ', 0) as ' ~ dbt.type_numeric() ~ ')'] %}
    {%- for position in range(1, fields.width) %}
        {%- do items.append('cast(coalesce(' ~ array_element(fields.previous, position) ~ ', 0) as ' ~ dbt.type_numeric() ~ ')') %}
    {%- endfor %}
    {{- array_of(items) -}}
{%- endmacro %}


{#- rolling_sum, scan: each of the last width days from the range's partials, or before the range from the seed's state. -#}
{% macro _cumulative_rolling_scan(fields) -%}
    {%- set items = [] %}
    {%- for position in range(fields.width) %}
        {%- set from_seed = array_element(fields.previous, '(' ~ position ~ ' - ' ~ fields.days_since_seed ~ ' + 1)') if fields.has_seed else 'null' %}
        {%- do items.append(
            'cast(case when ' ~ fields.days_since_seed ~ ' > ' ~ position
            ~ ' then coalesce(lag(' ~ fields.today ~ ', ' ~ position ~ ') over by_day, 0)'
            ~ ' else coalesce(' ~ from_seed ~ ', 0) end as ' ~ dbt.type_numeric() ~ ')'
        ) %}
    {%- endfor %}
    {{- array_of(items) -}}
{%- endmacro %}


{#- rolling_sum, final: the sum over each rolling window. -#}
{% macro _cumulative_rolling_final(fields) -%}
    {%- set columns = [] %}
    {%- for days in fields.rolling_days %}
        {%- set elements = [] %}
        {%- for position in range(1, days + 1) %}
            {%- do elements.append('coalesce(' ~ array_element(fields.state, position) ~ ', 0)') %}
        {%- endfor %}
        {%- do columns.append('cast(' ~ elements | join(' + ') ~ ' as ' ~ dbt.type_numeric() ~ ') as m_' ~ fields.name ~ '_l' ~ days) %}
    {%- endfor %}
    {{- columns | join(',\n') -}}
{%- endmacro %}


{#- The validated metrics of all inputs, each with its input's position; fails naming the bad argument. -#}
{% macro _cumulative_validate(subject, inputs, rolling_days) %}
    {%- set allowed = _cumulative_aggregations() | map(attribute='name') | list -%}
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


{#- Per ds and subject: activity rows and each partial the metrics' kinds read, over the inputs. -#}
{% macro _cumulative_daily(inputs, metrics, first_ds, last_ds) -%}
    {#- {partial column: {metric, day}}, each once though several kinds read it -#}
    {%- set partials = {} -%}
    {%- for metric in metrics -%}
        {%- for kind in _cumulative_aggregations() if kind.name in metric.aggregations -%}
            {%- do partials.setdefault(metric.name ~ '__' ~ kind.day.name, {'metric': metric, 'day': kind.day}) -%}
        {%- endfor -%}
    {%- endfor -%}
    select
        ds,
        subject,
        sum(activity_rows) as activity_rows
        {%- for column, partial in partials.items() %},
        {{ partial.day.merge }}({{ column }}) as {{ column }}
        {%- endfor %}
    from (
        {%- for input in inputs %}
        {%- set input_index = loop.index0 %}
        select
            ds,
            {{ input.subject }} as subject,
            {{ 'count(*)' if input.get('counts_as_activity', true) else '0' }} as activity_rows
            {%- for column, partial in partials.items() %},
            {%- if partial.metric.input == input_index %}
            {{ partial.day.aggregate.format(expression=partial.metric.expression) }} as {{ column }}
            {%- else %}
            cast(null as {{ partial.day.type }}) as {{ column }}
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
        {%- for kind in _cumulative_aggregations() if kind.name in metric.aggregations %}
        {%- set fields = _cumulative_fields(metric, kind, 'previous.' if has_seed else none, 'today.', ds=ds_literal(ds), width=width) %},
        {{ _cumulative_step(kind.daily, fields) }} as {{ fields.state }}
        {%- endfor %}
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
        {%- for kind in _cumulative_aggregations() if kind.name in metric.aggregations %}
        {%- set fields = _cumulative_fields(
            metric, kind, 'seed.' if has_seed else none, 'daily.', ds='grid.ds', width=width, has_seed=has_seed, days_since_seed=days_since_seed
        ) %},
        {{ _cumulative_step(kind.scan, fields) }} as {{ fields.state }}
        {%- endfor %}
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
