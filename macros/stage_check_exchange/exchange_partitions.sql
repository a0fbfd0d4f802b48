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

{#- Spark: a dynamic partition overwrite of the staged partitions is one atomic commit per table. -#}
{% macro spark__exchange_partitions(target, stage, first_ds, last_ds, columns) %}
    insert overwrite table {{ target }}
    partition (ds)
    select {{ columns }} from {{ stage }}
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
