{#-
    on-run-end: when this run republished partitions with other rows than
    the version later partitions were built on (or a full refresh dropped
    them), says how many partitions it made stale: those that recorded the
    old version as an input
    (audit.partition_inputs), and every partition built on one of them,
    however far downstream (a cumulative table's later partitions). Silent
    when there are none. stayhub/ledger.py lists them with their reasons,
    `stayhub backfill run --stale` rebuilds them. Silent in a backfill's
    chunk built in schemas of its own (var backfill_build): what its build
    makes stale is not production's, and the runner reports what the swap
    made stale.
-#}
{% macro report_stale_partitions() %}
    {%- if not execute or flags.WHICH not in ('run', 'build', 'retry') or var('backfill_build', none) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set ledger = partition_ledger_relation() -%}
    {%- set inputs = partition_inputs_relation() -%}
    {%- if load_relation(ledger) is none or load_relation(inputs) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set stale = run_query(_stale_partitions_sql(ledger, inputs)) -%}
    {%- if stale.rows | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set per_model = [] -%}
    {%- set counts = [] -%}
    {%- for row in stale.rows -%}
        {%- do counts.append(row['partitions'] | int) -%}
        {%- do per_model.append(
            row['model_name'] ~ " " ~ row['partitions'] ~ " ("
            ~ (row['first_ds'] if row['first_ds'] == row['last_ds'] else row['first_ds'] ~ " .. " ~ row['last_ds']) ~ ")"
        ) -%}
    {%- endfor -%}
    {{ log(
        "Partition lineage: " ~ counts | sum ~ " partition(s) are stale now, built on partitions this run republished"
        ~ " with other rows (or dropped), or on partitions built on those: " ~ per_model | join(", ")
        ~ ". List them: stayhub ledger; rebuild them: stayhub backfill run --stale",
        info=true
    ) }}
    {{ return('') }}
{% endmacro %}


{#- Per model, the partitions this run made stale: count, first and last ds. -#}
{% macro _stale_partitions_sql(ledger, inputs) %}
    with recursive

    republished as (
        select
            model_name,
            ds,
            run_id,
            published_at,
            row_count,
            row_checksum
        from {{ ledger }}
        where run_id = '{{ invocation_id }}'
    ),

    made_stale as (
        select distinct
            recorded.model_name,
            recorded.ds
        from {{ inputs }} as recorded
        inner join republished
            on
                recorded.input_model = republished.model_name
                and recorded.input_ds = republished.ds
        where {{ partition_input_changed('recorded', 'republished') }}

        union

        {#- A full refresh publishes its window only: the model's other partitions are gone. #}
        select
            recorded.model_name,
            recorded.ds
        from {{ inputs }} as recorded
        left join {{ ledger }} as current_version
            on
                recorded.input_model = current_version.model_name
                and recorded.input_ds = current_version.ds
        where
            current_version.model_name is null
            and recorded.input_row_count > 0
            and recorded.input_model in (select republished.model_name from republished)
    ),

    stale_partitions (model_name, ds) as (
        select
            model_name,
            ds
        from made_stale

        {#- Spark's recursive CTEs take only union all: the partitions are counted distinct below. #}
        {{ recursive_union() }}

        select
            dependent.model_name,
            dependent.ds
        from {{ inputs }} as dependent
        inner join stale_partitions
            on
                dependent.input_model = stale_partitions.model_name
                and dependent.input_ds = stale_partitions.ds
    )

    select
        model_name,
        count(distinct ds) as partitions,
        cast(min(ds) as {{ dbt.type_string() }}) as first_ds,
        cast(max(ds) as {{ dbt.type_string() }}) as last_ds
    from stale_partitions
    group by model_name
    order by model_name
{% endmacro %}


{#-
    Predicate: the input version a partition recorded (`recorded`, a row of
    audit.partition_inputs) is not the ledger's current one (`current`, a
    row of audit.partition_ledger for the same input model and ds). An input
    that had not been published then counts once it has rows; otherwise the
    row checksums and counts decide when both are known (republished with
    the same rows is unchanged), else run_id and published_at.
    stayhub/ledger.py applies the same rule.
-#}
{% macro partition_input_changed(recorded, current) -%}
    case
        when {{ recorded }}.input_run_id is null then {{ current }}.row_count > 0
        when {{ recorded }}.input_checksum is not null and {{ current }}.row_checksum is not null
            then {{ recorded }}.input_checksum <> {{ current }}.row_checksum or {{ recorded }}.input_row_count <> {{ current }}.row_count
        else {{ recorded }}.input_run_id <> {{ current }}.run_id or {{ recorded }}.input_published_at <> {{ current }}.published_at
    end
{%- endmacro %}
