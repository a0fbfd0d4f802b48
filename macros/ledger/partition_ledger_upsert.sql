{#-
    The SQL that records a publication in the partition ledger: deletes the
    model's ledger rows of first_ds .. last_ds (all its rows when
    whole_table, a first build or full refresh) and inserts one row per ds of
    first_ds .. last_ds, days without rows included: the run that built the
    rows (run_id, this invocation's id unless given), published by 'dbt' (or
    'backfill' with the backfill_id that publishes them), now, the staged row
    count and a checksum of the staged rows (partition_row_checksum; '0' for
    none), the check status of that ds in that run (check_status: 'warn' when
    a check of this model recorded a warn, else 'skip' when one was skipped -
    it could not judge the ds, e.g. no history yet - else 'pass'; a 'fail' is
    never published), and the model's fingerprint.

    Then the same for the partitions' lineage in audit.partition_inputs: one
    row per published ds and input partition it is built from
    (partition_input_windows), with the version the ledger holds for that
    input now (run_id, published_at, row_count, row_checksum; nulls when the
    input has not been published; read from input_ledger when given),
    read after the model's own rows were replaced, so a partition of a
    range records the version of its own previous partition this run built. A partition published for the first
    time also gets its row in audit.partition_first_published. The
    `partitioned` materialization runs it all in the exchange's transaction,
    and the backfill's swap (swap_backfill) in its own, so the ledger changes
    exactly when the partitions do.
-#}
{% macro partition_ledger_upsert(model_name, stage, first_ds, last_ds, fingerprint, whole_table=false, run_id=none, backfill_id=none, input_ledger=none) %}
    {{- return(adapter.dispatch('partition_ledger_upsert')(
        model_name, stage, first_ds, last_ds, fingerprint, whole_table, run_id or invocation_id, backfill_id, input_ledger or partition_ledger_relation()
    )) -}}
{% endmacro %}

{#- Four statements, delete then insert for the ledger and for its lineage, that the materialization runs in one transaction. -#}
{% macro default__partition_ledger_upsert(model_name, stage, first_ds, last_ds, fingerprint, whole_table, run_id, backfill_id, input_ledger) %}
    {%- set upsert = _partition_ledger_upsert_parts(model_name, stage, first_ds, last_ds, fingerprint, run_id, backfill_id, input_ledger) %}
    delete from {{ partition_ledger_relation() }}
    where
        model_name = {{ upsert.model_literal }}
        {%- if not whole_table %}
        and ds between {{ ds_literal(first_ds) }} and {{ ds_literal(last_ds) }}
        {%- endif %};
    insert into {{ partition_ledger_relation() }} (model_name, ds, run_id, published_by, published_at, row_count, check_status, fingerprint, row_checksum, backfill_id)
    {{ upsert.ledger_rows }};
    {{ upsert.first_published }};
    delete from {{ partition_inputs_relation() }}
    where
        model_name = {{ upsert.model_literal }}
        {%- if not whole_table %}
        and ds between {{ ds_literal(first_ds) }} and {{ ds_literal(last_ds) }}
        {%- endif %}
    {%- if upsert.input_rows %};
    insert into {{ partition_inputs_relation() }} (model_name, ds, input_model, input_ds, input_run_id, input_published_at, input_row_count, input_checksum)
    {{ upsert.input_rows }}
    {%- endif %}
{%- endmacro %}


{#-
    Spark: its Hive tables take no DELETE. The ledger and its lineage are partitioned by (model_name, ds)
    (ensure_partition_ledger), and a dynamic partition overwrite (dynamic_partition_overwrite) replaces
    exactly the partitions its rows fall in: the ledger has a row for every ds of the window, and so has
    the lineage when the model has inputs. Partitions no row replaces are dropped first: all of the model's on a whole-table publish, and
    the window's lineage when the model has no inputs (now). One statement each, none of them a transaction.
-#}
{% macro spark__partition_ledger_upsert(model_name, stage, first_ds, last_ds, fingerprint, whole_table, run_id, backfill_id, input_ledger) %}
    {%- set upsert = _partition_ledger_upsert_parts(model_name, stage, first_ds, last_ds, fingerprint, run_id, backfill_id, input_ledger) %}
    {%- set dropped = [partition_ledger_relation(), partition_inputs_relation()] if whole_table else [] %}
    {%- if not (whole_table or upsert.input_rows) %}{% do dropped.append(partition_inputs_relation()) %}{% endif %}
    {%- for relation in dropped %}
    alter table {{ relation }} drop if exists
    {%- if whole_table %}
        partition (model_name = {{ upsert.model_literal }});
    {%- else %}
        {%- for ds in ds_range(first_ds, last_ds) %}
        partition (model_name = {{ upsert.model_literal }}, ds = '{{ ds }}'){{ "," if not loop.last else ";" }}
        {%- endfor %}
    {%- endif %}
    {%- endfor %}
    {{ dynamic_partition_overwrite() }};
    insert overwrite table {{ partition_ledger_relation() }} partition (model_name, ds)
        (model_name, ds, run_id, published_by, published_at, row_count, check_status, fingerprint, row_checksum, backfill_id)
    {{ upsert.ledger_rows }};
    {{ upsert.first_published }}
    {%- if upsert.input_rows %};
    insert overwrite table {{ partition_inputs_relation() }} partition (model_name, ds)
        (model_name, ds, input_model, input_ds, input_run_id, input_published_at, input_row_count, input_checksum)
    {{ upsert.input_rows }}
    {%- endif %}
{%- endmacro %}


{#- The engine-neutral parts of the upsert: the ledger's new rows, the lineage's (none without inputs), the first-publication insert. -#}
{% macro _partition_ledger_upsert_parts(model_name, stage, first_ds, last_ds, fingerprint, run_id, backfill_id, input_ledger) %}
    {%- set windows = partition_input_windows(_partition_ledger_model_id(model_name)) -%}
    {%- set model_literal = "'" ~ model_name | replace("'", "''") ~ "'" -%}
    {%- set run_literal = "'" ~ run_id | replace("'", "''") ~ "'" -%}
    {%- set backfill_literal = "'" ~ backfill_id | replace("'", "''") ~ "'" if backfill_id else "null" -%}
    {%- set ledger_rows -%}
    select
        cast({{ model_literal }} as {{ dbt.type_string() }}) as model_name,
        days.ds,
        cast({{ run_literal }} as {{ dbt.type_string() }}) as run_id,
        cast('{{ "backfill" if backfill_id else "dbt" }}' as {{ dbt.type_string() }}) as published_by,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as published_at,
        cast(coalesce(staged.row_count, 0) as {{ dbt.type_bigint() }}) as row_count,
        coalesce(checked.check_status, 'pass') as check_status,
        cast('{{ fingerprint }}' as {{ dbt.type_string() }}) as fingerprint,
        {#- No rows is a known content on every engine. #}
        case when coalesce(staged.row_count, 0) = 0 then '0' else staged.row_checksum end as row_checksum,
        cast({{ backfill_literal }} as {{ dbt.type_string() }}) as backfill_id
    from ({{ ds_days(first_ds, last_ds) }}) as days
    left join (
        select
            staged_row.ds,
            count(*) as row_count,
            {{ partition_row_checksum('staged_row') }} as row_checksum
        from {{ stage }} as staged_row
        group by staged_row.ds
    ) as staged
        on days.ds = staged.ds
    left join (
        select
            ds,
            case when count(case when status = 'warn' then 1 end) > 0 then 'warn' else 'skip' end as check_status
        from {{ audit_table_relation() }}
        where
            run_id = {{ run_literal }}
            and model_name = {{ model_literal }}
            and status in ('warn', 'skip')
            and ds between {{ ds_literal(first_ds) }} and {{ ds_literal(last_ds) }}
        group by ds
    ) as checked
        on days.ds = checked.ds
    {%- endset -%}
    {%- set first_published -%}
    insert into {{ partition_first_published_relation() }} (model_name, ds, first_published_at, run_id)
    select
        cast({{ model_literal }} as {{ dbt.type_string() }}) as model_name,
        days.ds,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as first_published_at,
        cast({{ run_literal }} as {{ dbt.type_string() }}) as run_id
    from ({{ ds_days(first_ds, last_ds) }}) as days
    where not exists (
        select 1
        from {{ partition_first_published_relation() }} as published
        where
            published.model_name = {{ model_literal }}
            and published.ds = days.ds
    )
    {%- endset -%}
    {%- set input_rows -%}
    {%- if windows %}
    select
        wanted.model_name,
        wanted.ds,
        wanted.input_model,
        wanted.input_ds,
        ledger.run_id as input_run_id,
        ledger.published_at as input_published_at,
        ledger.row_count as input_row_count,
        ledger.row_checksum as input_checksum
    from (
        select
            cast({{ model_literal }} as {{ dbt.type_string() }}) as model_name,
            days.ds,
            offsets.input_model,
            cast({{ dbt.dateadd('day', 'offsets.day_offset', 'days.ds') }} as date) as input_ds
        from ({{ ds_days(first_ds, last_ds) }}) as days
        cross join (
            {%- for window in windows %}
            {%- set outer_loop = loop %}
            {%- for offset in range(window.first_offset, window.last_offset + 1) %}
            select
                cast('{{ window.input_model }}' as {{ dbt.type_string() }}) as input_model,
                {{ offset }} as day_offset
            {%- if not (outer_loop.last and loop.last) %}
            union all
            {%- endif %}
            {%- endfor %}
            {%- endfor %}
        ) as offsets
    ) as wanted
    left join {{ input_ledger }} as ledger
        on
            wanted.input_model = ledger.model_name
            and wanted.input_ds = ledger.ds
    {%- endif %}
    {%- endset -%}
    {{ return({'model_literal': model_literal, 'ledger_rows': ledger_rows, 'first_published': first_published, 'input_rows': input_rows | trim}) }}
{% endmacro %}


{#- The unique_id of the model named model_name: the upsert runs in a model's materialization and in run-operations. -#}
{% macro _partition_ledger_model_id(model_name) %}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == model_name -%}
        {{ return(node.unique_id) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("partition_ledger_upsert: no model named '" ~ model_name ~ "' in the graph") }}
{% endmacro %}
