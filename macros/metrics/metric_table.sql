{#-
    A metric table's rows for the run's ds window: one row per ds and
    combination of group-by values, one column per metric. `plan` comes from
    the saved query (stayhub/metrics/plan.py writes it into the generated
    model, models/metrics/tables/mtr_<name>.sql):

      saved_query {name, metrics, group_by}: what it was generated from (a run
                    stops when the saved query now says otherwise: generate again);
                    none for a plan not made from a saved query (experiments);
      dimensions  [{column, alias}]: the group-by columns, by their alias in every source's rows;
      sources     [{name, relation, time_column, row_columns {alias: expr},
                    joins [{entity, relation, key, foreign_key, valid_from, valid_to, columns {alias: expr}}],
                    aggregates [{column, function, input, filter}]}];
      metrics     [{column, expression}], expression a tree over the aggregates:
                    {aggregate: column} | {ratio: [tree, tree]} | {derived: template, inputs: [tree]}.

    Each source reads only the window's partitions (widened by the model's
    lookback, so the facts' late partitions are recomputed), joins each
    dimension's semantic model by its entity (a type-2 one where the fact's
    ds falls between valid_from and valid_to), and aggregates by ds and the
    group-by; sources are stacked and collapsed to one row per group, so a
    group missing from one source has nulls there, as MetricFlow's outer join.
-#}
{% macro metric_table(plan) %}
    {%- if plan.saved_query is not none -%}
        {%- do _assert_metric_table_is_current(plan.saved_query) -%}
    {%- endif -%}
    {%- set lookback = partition_lookback_days() -%}
    {%- set dimension_columns = plan.dimensions | map(attribute='column') | list -%}
    {%- set all_aggregates = [] -%}
    {%- for source in plan.sources -%}
        {%- for aggregate in source.aggregates -%}
            {%- do all_aggregates.append(aggregate.column) -%}
        {%- endfor -%}
    {%- endfor %}
    with
    {% for source in plan.sources %}
    {{ source.name }}__rows as (
        select
            {%- for alias, expression in source.row_columns.items() %}
            {{ expression }} as {{ alias }},
            {%- endfor %}
            {{ source.time_column }} as ds
        from {{ source.relation }}
        where {{ ds_in_window(source.time_column, lookback) }}
    ),

    {{ source.name }}__joined as (
        select
            {%- for join in source.joins %}
            {%- for alias in join.columns %}
            {{ join.entity }}__joined.{{ alias }},
            {%- endfor %}
            {%- endfor %}
            rows_.*
        from {{ source.name }}__rows as rows_
        {%- for join in source.joins %}
        {%- if join.valid_from %}
        {{ history_as_of_join(
            join.relation, join.entity ~ '__joined', join.columns, join.key,
            foreign_key='rows_.' ~ join.foreign_key, as_of='rows_.ds', valid_from=join.valid_from, valid_to=join.valid_to,
        ) }}
        {%- else %}
        left join (
            select
                {%- for alias, expression in join.columns.items() %}
                {{ expression }} as {{ alias }},
                {%- endfor %}
                {{ join.key }} as entity_key
            from {{ join.relation }}
        ) as {{ join.entity }}__joined
            on rows_.{{ join.foreign_key }} = {{ join.entity }}__joined.entity_key
        {%- endif %}
        {%- endfor %}
    ),

    {{ source.name }}__aggregated as (
        select
            ds,
            {%- for dimension in plan.dimensions %}
            {{ dimension.alias }} as {{ dimension.column }},
            {%- endfor %}
            {%- for column in all_aggregates %}
            {%- set aggregate = source.aggregates | selectattr('column', 'equalto', column) | first %}
            {{ _metric_table_aggregate(aggregate) if aggregate is defined else 'null' }} as {{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ source.name }}__joined
        group by ds{% for dimension in plan.dimensions %}, {{ dimension.alias }}{% endfor %}
        {%- set filters = source.aggregates | map(attribute='filter') | list %}
        {%- if none not in filters %}
        having count(case when ({{ filters | join(') or (') }}) then 1 end) > 0
        {%- endif %}
    ),
    {% endfor %}

    stacked as (
        {%- for source in plan.sources %}
        select * from {{ source.name }}__aggregated
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ),

    measures as (
        select
            ds,
            {%- for column in dimension_columns %}
            {{ column }},
            {%- endfor %}
            {%- for column in all_aggregates %}
            max({{ column }}) as {{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        from stacked
        group by ds{% for column in dimension_columns %}, {{ column }}{% endfor %}
    ),

    final as (
        select
            ds,
            {%- for column in dimension_columns %}
            {{ column }},
            {%- endfor %}
            {%- for metric in plan.metrics %}
            {{ _metric_table_expression(metric.expression) }} as {{ metric.column }}{{ ',' if not loop.last }}
            {%- endfor %}
        from measures
    )

    select * from final
{%- endmacro %}


{#- One aggregate over a source's rows; a filtered one is null (as MetricFlow's) when no row passes the filter. -#}
{% macro _metric_table_aggregate(aggregate) %}
    {%- set input = aggregate.input if aggregate.filter is none else 'case when ' ~ aggregate.filter ~ ' then ' ~ aggregate.input ~ ' end' -%}
    {%- if aggregate.function == 'count_distinct' -%}
        {%- set sql = 'count(distinct ' ~ input ~ ')' -%}
    {%- elif aggregate.function == 'sum_boolean' -%}
        {%- set sql = 'sum(case when ' ~ input ~ ' then 1 else 0 end)' -%}
    {%- elif aggregate.function in ('sum', 'count', 'min', 'max', 'avg') -%}
        {%- set sql = aggregate.function ~ '(' ~ input ~ ')' -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("metric_table: unknown aggregation '" ~ aggregate.function ~ "'") }}
    {%- endif -%}
    {%- if aggregate.filter is none -%}
        {{ return(sql) }}
    {%- endif -%}
    {{ return('case when count(case when ' ~ aggregate.filter ~ ' then 1 end) > 0 then ' ~ sql ~ ' end') }}
{% endmacro %}


{#- A metric's SQL over the aggregates: an aggregate, a ratio (as MetricFlow: in floating point, null over 0) or a derived expression. -#}
{% macro _metric_table_expression(tree) %}
    {%- if tree.aggregate is defined -%}
        {{ return(tree.aggregate) }}
    {%- elif tree.ratio is defined -%}
        {{ return(
            'cast(' ~ _metric_table_expression(tree.ratio[0]) ~ ' as ' ~ type_double() ~ ') / cast(nullif('
            ~ _metric_table_expression(tree.ratio[1]) ~ ', 0) as ' ~ type_double() ~ ')'
        ) }}
    {%- endif -%}
    {%- set sql = namespace(text=tree.derived) -%}
    {%- for input in tree.inputs -%}
        {%- set sql.text = sql.text | replace('{' ~ loop.index0 ~ '}', '(' ~ _metric_table_expression(input) ~ ')') -%}
    {%- endfor -%}
    {{ return(sql.text) }}
{% endmacro %}


{#- The saved query in dbt's graph still lists the metrics and group-by the table was generated with. -#}
{% macro _assert_metric_table_is_current(generated_from) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = graph.saved_queries.values() | selectattr('name', 'equalto', generated_from.name) | list -%}
    {%- set params = found[0].query_params if found else none -%}
    {%- if params is none or params.metrics != generated_from.metrics or params.group_by != generated_from.group_by -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ " was generated from another version of saved query '" ~ generated_from.name ~ "' than the YAML holds"
            ~ " (metrics or group_by differ, or it is gone): run .venv/bin/stayhub metrics generate, then build again"
        ) }}
    {%- endif -%}
{% endmacro %}
