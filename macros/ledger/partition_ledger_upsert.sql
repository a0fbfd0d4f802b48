{#-
    The SQL that records a publication in the partition ledger: deletes the
    model's ledger rows of first_ds .. last_ds (all its rows when
    whole_table, a first build or full refresh) and inserts one row per ds of
    first_ds .. last_ds, days without rows included: this run's
    invocation_id, published by 'dbt', now, the staged row count, the check
    status of that ds in this run (check_status: 'warn' when a check of this
    model recorded a warn, else 'skip' when one was skipped - it could not
    judge the ds, e.g. no history yet - else 'pass'; a 'fail' is never
    published), and the model's fingerprint. The `partitioned` materialization
    runs it in the exchange's transaction, so the ledger changes exactly when
    the partitions do.
-#}
{% macro partition_ledger_upsert(model_name, stage, first_ds, last_ds, fingerprint, whole_table=false) %}
    {{- return(adapter.dispatch('partition_ledger_upsert')(model_name, stage, first_ds, last_ds, fingerprint, whole_table)) -}}
{% endmacro %}

{#- Two statements, delete then insert, that the materialization runs in one transaction. -#}
{% macro default__partition_ledger_upsert(model_name, stage, first_ds, last_ds, fingerprint, whole_table) %}
    {%- set ledger = partition_ledger_relation() -%}
    {%- set model_literal = "'" ~ model_name | replace("'", "''") ~ "'" %}
    delete from {{ ledger }}
    where
        model_name = {{ model_literal }}
        {%- if not whole_table %}
        and ds between {{ ds_literal(first_ds) }} and {{ ds_literal(last_ds) }}
        {%- endif %};
    insert into {{ ledger }} (model_name, ds, run_id, published_by, published_at, row_count, check_status, fingerprint)
    select
        cast({{ model_literal }} as {{ dbt.type_string() }}) as model_name,
        days.ds,
        cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as run_id,
        cast('dbt' as {{ dbt.type_string() }}) as published_by,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as published_at,
        cast(coalesce(staged.row_count, 0) as {{ dbt.type_bigint() }}) as row_count,
        coalesce(checked.check_status, 'pass') as check_status,
        cast('{{ fingerprint }}' as {{ dbt.type_string() }}) as fingerprint
    from ({{ ds_days(first_ds, last_ds) }}) as days
    left join (
        select
            ds,
            count(*) as row_count
        from {{ stage }}
        group by ds
    ) as staged
        on days.ds = staged.ds
    left join (
        select
            ds,
            case when count(case when status = 'warn' then 1 end) > 0 then 'warn' else 'skip' end as check_status
        from {{ audit_table_relation() }}
        where
            run_id = '{{ invocation_id }}'
            and model_name = {{ model_literal }}
            and status in ('warn', 'skip')
            and ds between {{ ds_literal(first_ds) }} and {{ ds_literal(last_ds) }}
        group by ds
    ) as checked
        on days.ds = checked.ds
{%- endmacro %}
