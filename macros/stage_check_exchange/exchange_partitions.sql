{#-
    Replaces partitions first_ds .. last_ds of `target` with the rows of
    `stage`, atomically: readers see the whole old or the whole new window.
    `columns`, the stage's column names when the caller has read them already
    (else read here).
-#}
{% macro exchange_partitions(target, stage, first_ds, last_ds, columns=none) %}
    {%- set column_names = columns if columns is not none else adapter.get_columns_in_relation(stage) | map(attribute='name') | list -%}
    {{- return(adapter.dispatch('exchange_partitions')(target, stage, first_ds, last_ds, get_quoted_csv(column_names))) -}}
{% endmacro %}

{#- Delete the window, insert the staged rows; the materialization runs both in one transaction. -#}
{% macro default__exchange_partitions(target, stage, first_ds, last_ds, columns) %}
    delete from {{ target }}
    where ds between {{ ds_literal(first_ds) }} and {{ ds_literal(last_ds) }};
    {{- _pause_in_exchange_for_tests(target, first_ds, last_ds) }}
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ stage }};
{%- endmacro %}

{#-
    Spark: a dynamic partition overwrite (dynamic_partition_overwrite) replaces every staged partition
    in one commit (its partition column last, as the table holds it); then the window's partitions the
    stage has no rows for are dropped. Two statements, not one transaction: a failure between them
    leaves those partitions' old rows, and a re-run of the window publishes it whole.
-#}
{% macro spark__exchange_partitions(target, stage, first_ds, last_ds, columns) %}
    {%- set staged = run_query("select distinct cast(ds as string) from " ~ stage).columns[0].values() if execute else [] -%}
    {%- set emptied = ds_range(first_ds, last_ds) | reject('in', staged) | list -%}
    {%- set other_columns = columns.split(', ') | reject('in', ['ds', '"ds"', '`ds`']) | list %}
    {{ dynamic_partition_overwrite() }};
    insert overwrite table {{ target }}
    partition (ds)
    select {{ other_columns | join(', ') }}, ds from {{ stage }}
    {%- if emptied %};
    alter table {{ target }} drop if exists
        {%- for ds in emptied %}
        partition (ds = '{{ ds }}'){{ "," if not loop.last }}
        {%- endfor %}
    {%- endif %}
{%- endmacro %}


{#-
    Test hook, inert unless the environment variable
    WAREHOUSE_TEST_PAUSE_IN_EXCHANGE names a FIFO (tests/integration, the
    SIGKILL test): then, inside the exchange's transaction, after the window's
    rows are deleted and before the insert and the commit, the exchange writes
    the rows it still sees in the window to <FIFO>.rows and blocks reading
    the FIFO until a writer opens and closes it. The test kills dbt there.
    DuckDB SQL (COPY, read_blob), like the rest of this default. Never set it
    outside tests.
-#}
{% macro _pause_in_exchange_for_tests(target, first_ds, last_ds) %}
    {%- set fifo = env_var('WAREHOUSE_TEST_PAUSE_IN_EXCHANGE', '') | replace("'", "''") -%}
    {%- if fifo %}
    copy (
        select count(*) as rows_in_window from {{ target }}
        where ds between {{ ds_literal(first_ds) }} and {{ ds_literal(last_ds) }}
    ) to '{{ fifo }}.rows' (format csv, header false);
    select octet_length(content) as pause from read_blob('{{ fifo }}');
    {%- endif %}
{% endmacro %}
