{#-
    dbt run-operation swap_backfill, run by the backfill runner
    (stayhub/backfill/publish.py) against production: publishes a built
    backfill through the writers the `partitioned` materialization uses, in
    ONE transaction where the engine has them (DuckDB).

    The build holds the backfilled partitions, their ledger rows, check
    results and run history, written by the backfill's chunk invocations
    (run_ids). It is a database file attached here (build_path, DuckDB), or
    schemas of production's own catalog named with a prefix
    (build_schema_prefix, Spark: backfill_build_schema). swap_partitions_path
    is a parquet file with one row per (model_name, ds) to publish: its
    relation, its level in the backfill (upstream models first) and the
    ledger version production held when the build copied it (in_production,
    run_id, published_at as text, row_count, fingerprint).

    After creating or migrating the audit tables as a dbt run's on-run-start
    does, it:
      1. refuses when audit.backfill_runs already holds backfill_id;
      2. refuses when production's ledger no longer holds, for some partition
         to publish, the version the build started from (a run republished
         it meanwhile) nor one this backfill published (a swap stopped
         half-way, on an engine without transactions): the error names them,
         nothing is written;
      3. copies the chunks' check results of the published partitions and
         their run history (the runs not copied yet);
      4. per model and run of consecutive days built by one chunk:
         exchange_partitions from the build's rows, then
         partition_ledger_upsert with that chunk's run_id and the backfill_id
         (which also records the lineage and, for a first-time partition,
         audit.partition_first_published); the lineage records the versions
         the chunks read: this swap's for the partitions it publishes, the
         build's for the others (so a partition built on an input production
         republished meanwhile is stale, not current);
      5. records the backfill in audit.backfill_runs; then commits;
      6. with drop_build_after, drops a build of prefixed schemas.
    Without transactions (Spark) a failure part-way leaves some partitions
    swapped; running the same swap again finishes it.
-#}
{% macro swap_backfill(
    backfill_id, job, start_ds, end_ds, run_ids, swap_partitions_path, build_path=none, build_schema_prefix=none, drop_build_after=false
) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not backfill_id or run_ids is string or not run_ids -%}
        {{ exceptions.raise_compiler_error("swap_backfill: backfill_id and a list of run_ids are required, got " ~ backfill_id ~ " and " ~ run_ids) }}
    {%- endif -%}
    {%- if (build_path is none) == (build_schema_prefix is none) -%}
        {{ exceptions.raise_compiler_error("swap_backfill: pass the build as build_path or as build_schema_prefix, one of them") }}
    {%- endif -%}
    {%- do ensure_audit_table() -%}
    {%- do ensure_partition_ledger() -%}
    {%- do ensure_run_history() -%}

    {#- The transaction starts with the attach: a rollback detaches the build again. -#}
    {%- if build_path is not none -%}
        {%- set build = {'database': attach_database(build_path, 'backfill_build')} -%}
    {%- else -%}
        {%- set build = {'schema_prefix': build_schema_prefix} -%}
    {%- endif -%}
    {%- set swap = _swap_backfill_partitions(swap_partitions_path) -%}
    {%- set built_ledger = _swap_backfill_built(partition_ledger_relation(), build) -%}
    {%- set runs = _swap_backfill_run_list(run_ids) -%}
    {%- set backfill_literal = "'" ~ backfill_id | replace("'", "''") ~ "'" -%}
    {%- set backfill_runs = api.Relation.create(database=target.get('database'), schema='audit', identifier='backfill_runs', type='table') -%}

    {%- call statement('swap_backfill_runs') -%}
        create table if not exists {{ backfill_runs }} (
            backfill_id {{ dbt.type_string() }},
            job {{ dbt.type_string() }},
            start_ds date,
            end_ds date,
            partitions {{ dbt.type_bigint() }},
            row_count {{ dbt.type_bigint() }},
            swapped_at {{ dbt.type_timestamp() }}
        )
    {%- endcall -%}
    {%- if run_query("select count(*) from " ~ backfill_runs ~ " where backfill_id = " ~ backfill_literal).columns[0].values()[0] > 0 -%}
        {{ exceptions.raise_compiler_error("swap_backfill: backfill " ~ backfill_id ~ " was already swapped into production") }}
    {%- endif -%}

    {%- set moved = run_query(_swap_backfill_moved_sql(swap, backfill_literal)) -%}
    {%- if moved.rows | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "swap_backfill refused: production moved, " ~ moved.rows | length ~ " partition(s) were published again after the build started: "
            ~ moved.rows[:20] | map('join', ' ds=') | join(', ') ~ ". Nothing was swapped."
        ) }}
    {%- endif -%}
    {%- set not_built = run_query(_swap_backfill_not_built_sql(swap, built_ledger, runs)) -%}
    {%- if not_built.rows | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "swap_backfill: " ~ not_built.rows | length ~ " partition(s) to publish were not built by the runs " ~ runs ~ ": "
            ~ not_built.rows[:20] | map('join', ' ds=') | join(', ')
        ) }}
    {%- endif -%}

    {#- The chunks' check results first: the ledger's check_status is read from them. -#}
    {%- do _swap_backfill_copy_rows(
        audit_table_relation(), build,
        "run_id in " ~ runs ~ " and exists (select 1 from " ~ swap ~ " as swap where swap.model_name = copied.model_name and swap.ds = copied.ds)"
    ) -%}
    {%- do _swap_backfill_copy_rows(run_history_relation(), build, "run_id in " ~ runs) -%}

    {%- set input_versions = _swap_backfill_input_versions(swap, built_ledger) -%}
    {%- set created = [] -%}
    {%- for segment in run_query(_swap_backfill_segments_sql(swap, built_ledger, runs)).rows -%}
        {%- set schema_name, table_name = segment['relation'].split('.') -%}
        {%- set production = api.Relation.create(database=target.get('database'), schema=schema_name, identifier=table_name, type='table') -%}
        {%- set built = _swap_backfill_built(production, build) -%}
        {%- set stage = _swap_backfill_stage(built, segment['first_ds'], segment['last_ds']) -%}
        {%- if segment['relation'] not in created and load_relation(production) is none -%}
            {%- do adapter.create_schema(production) -%}
            {%- call statement('swap_backfill_create') -%}
                {{ create_partitioned_table_as(production, "select * from " ~ stage ~ " where 1 = 0") }}
            {%- endcall -%}
        {%- endif -%}
        {%- do created.append(segment['relation']) -%}
        {%- call statement('swap_backfill_exchange') -%}
            {{ exchange_partitions(production, stage, segment['first_ds'], segment['last_ds']) }}
        {%- endcall -%}
        {%- call statement('swap_backfill_ledger') -%}
            {{ partition_ledger_upsert(
                segment['model_name'], stage, segment['first_ds'], segment['last_ds'], segment['fingerprint'],
                run_id=segment['run_id'], backfill_id=backfill_id, input_ledger=input_versions
            ) }}
        {%- endcall -%}
        {{ log("swap_backfill: " ~ segment['model_name'] ~ " " ~ segment['first_ds'] ~ " .. " ~ segment['last_ds'] ~ " (run " ~ segment['run_id'] ~ ")", info=true) }}
    {%- endfor -%}

    {%- call statement('swap_backfill_record') -%}
        insert into {{ backfill_runs }} (backfill_id, job, start_ds, end_ds, partitions, row_count, swapped_at)
        select
            cast({{ backfill_literal }} as {{ dbt.type_string() }}),
            cast('{{ job | replace("'", "''") }}' as {{ dbt.type_string() }}),
            {{ ds_literal(start_ds) }},
            {{ ds_literal(end_ds) }},
            count(*),
            cast(coalesce(sum(row_count), 0) as {{ dbt.type_bigint() }}),
            cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }})
        from {{ partition_ledger_relation() }}
        where backfill_id = {{ backfill_literal }}
    {%- endcall -%}
    {%- do adapter.commit() -%}
    {#- The build's schemas go in the same invocation (one Spark start less); the runner drops what is left. -#}
    {%- if drop_build_after and build_schema_prefix is not none -%}
        {%- do drop_backfill_build(build_schema_prefix) -%}
    {%- endif -%}
{% endmacro %}


{#- ('run_a', 'run_b'): the chunk invocations as a SQL list. -#}
{% macro _swap_backfill_run_list(run_ids) %}
    {%- set quoted = [] -%}
    {%- for run_id in run_ids -%}
        {%- do quoted.append("'" ~ run_id | replace("'", "''") ~ "'") -%}
    {%- endfor -%}
    {{ return("(" ~ quoted | join(", ") ~ ")") }}
{% endmacro %}


{#- Null-safe equality of two SQL expressions. -#}
{% macro _swap_backfill_same(left, right) -%}
    ({{ left }} = {{ right }} or ({{ left }} is null and {{ right }} is null))
{%- endmacro %}


{#-
    The partitions to publish whose version in production's ledger is neither
    the one the build started from nor one this backfill published.
-#}
{% macro _swap_backfill_moved_sql(swap, backfill_literal) %}
    select
        swap.model_name,
        cast(swap.ds as {{ dbt.type_string() }}) as ds
    from {{ swap }} as swap
    left join {{ partition_ledger_relation() }} as current_version
        on
            swap.model_name = current_version.model_name
            and swap.ds = current_version.ds
    where
        coalesce(current_version.backfill_id <> {{ backfill_literal }}, true)
        and case
            when swap.in_production
                then
                    current_version.model_name is null
                    or not (
                        {{ _swap_backfill_same('current_version.run_id', 'swap.run_id') }}
                        and {{ _swap_backfill_same('current_version.published_at', 'cast(swap.published_at as ' ~ dbt.type_timestamp() ~ ')') }}
                        and {{ _swap_backfill_same('current_version.row_count', 'swap.row_count') }}
                        and {{ _swap_backfill_same('current_version.fingerprint', 'swap.fingerprint') }}
                    )
            else current_version.model_name is not null
        end
    order by 1, 2
{% endmacro %}


{#- The partitions to publish that no chunk of this backfill recorded in the build's ledger. -#}
{% macro _swap_backfill_not_built_sql(swap, built_ledger, runs) %}
    select
        swap.model_name,
        cast(swap.ds as {{ dbt.type_string() }}) as ds
    from {{ swap }} as swap
    left join {{ built_ledger }} as built_version
        on
            swap.model_name = built_version.model_name
            and swap.ds = built_version.ds
            and built_version.run_id in {{ runs }}
    where built_version.model_name is null
    order by 1, 2
{% endmacro %}


{#-
    The partitions to publish as runs of consecutive days of one model built
    by one chunk (run_id, fingerprint), upstream levels first, each model's
    runs in ds order: consecutive days of one group keep ds minus their rank
    constant.
-#}
{% macro _swap_backfill_segments_sql(swap, built_ledger, runs) %}
    with

    built as (
        select
            swap.level,
            swap.relation,
            swap.model_name,
            swap.ds,
            built_version.run_id,
            built_version.fingerprint
        from {{ swap }} as swap
        inner join {{ built_ledger }} as built_version
            on
                swap.model_name = built_version.model_name
                and swap.ds = built_version.ds
        where built_version.run_id in {{ runs }}
    ),

    ranked as (
        select
            level,
            relation,
            model_name,
            run_id,
            fingerprint,
            ds,
            {{ dbt.dateadd('day', '-1 * row_number() over (partition by model_name, run_id, fingerprint order by ds)', 'ds') }} as island
        from built
    )

    select
        level,
        relation,
        model_name,
        run_id,
        fingerprint,
        cast(min(ds) as {{ dbt.type_string() }}) as first_ds,
        cast(max(ds) as {{ dbt.type_string() }}) as last_ds
    from ranked
    group by level, relation, model_name, run_id, fingerprint, island
    order by level, model_name, first_ds
{% endmacro %}


{#- The build's rows of first_ds .. last_ds of `built`, as a temporary view the exchange and the ledger read. -#}
{% macro _swap_backfill_stage(built, first_ds, last_ds) %}
    {%- set stage = api.Relation.create(identifier='backfill_swap_stage', type='view') -%}
    {%- call statement('swap_backfill_stage') -%}
        create or replace temporary view {{ stage }} as
        select * from {{ built }}
        where ds between {{ ds_literal(first_ds) }} and {{ ds_literal(last_ds) }}
    {%- endcall -%}
    {{ return(stage) }}
{% endmacro %}


{#-
    The ledger versions the chunks' partitions were built on, as a temporary
    view: production's for the partitions the swap publishes (read as the
    swap writes them, upstream levels first), the build's for the others.
-#}
{% macro _swap_backfill_input_versions(swap, built_ledger) %}
    {%- set versions = api.Relation.create(identifier='backfill_swap_input_versions', type='view') -%}
    {%- call statement('swap_backfill_input_versions') -%}
        create or replace temporary view {{ versions }} as
        select
            current_version.model_name,
            current_version.ds,
            current_version.run_id,
            current_version.published_at,
            current_version.row_count,
            current_version.row_checksum
        from {{ partition_ledger_relation() }} as current_version
        where exists (
            select 1 from {{ swap }} as published
            where published.model_name = current_version.model_name and published.ds = current_version.ds
        )
        union all
        select
            built_version.model_name,
            built_version.ds,
            built_version.run_id,
            built_version.published_at,
            built_version.row_count,
            built_version.row_checksum
        from {{ built_ledger }} as built_version
        where not exists (
            select 1 from {{ swap }} as published
            where published.model_name = built_version.model_name and published.ds = built_version.ds
        )
    {%- endcall -%}
    {{ return(versions) }}
{% endmacro %}


{#-
    Inserts into `relation` its rows in the build that match `where` (source
    alias `copied`), by column name, of the runs it holds no row of yet.
-#}
{% macro _swap_backfill_copy_rows(relation, build, where) %}
    {%- set source = load_relation(_swap_backfill_built(relation, build)) -%}
    {%- if source is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set source_columns = adapter.get_columns_in_relation(source) | map(attribute='name') | map('lower') | list -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | select('in', source_columns) | list -%}
    {%- call statement('swap_backfill_copy') -%}
        insert into {{ relation }} ({{ get_quoted_csv(columns) }})
        select {{ get_quoted_csv(columns) }} from {{ source }} as copied
        where
            {{ where }}
            and not exists (select 1 from {{ relation }} as present where present.run_id = copied.run_id)
    {%- endcall -%}
{% endmacro %}


{#- The build's version of a production relation: in the attached build database, or in its prefixed schema. -#}
{% macro _swap_backfill_built(relation, build) %}
    {%- if build.get('schema_prefix') is not none -%}
        {{ return(relation.incorporate(path={'schema': build.schema_prefix ~ relation.schema})) }}
    {%- endif -%}
    {{ return(relation.incorporate(path={'database': build.database})) }}
{% endmacro %}


{#- The partitions to publish, the runner's parquet file, as a temporary view. -#}
{% macro _swap_backfill_partitions(path) %}
    {%- set partitions = api.Relation.create(identifier='backfill_swap_partitions', type='view') -%}
    {%- call statement('swap_backfill_partitions') -%}
        create or replace temporary view {{ partitions }} as
        select * from {{ parquet_file_relation(path) }}
    {%- endcall -%}
    {{ return(partitions) }}
{% endmacro %}
