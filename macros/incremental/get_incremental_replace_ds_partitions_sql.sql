{#-
    Incremental strategy `replace_ds_partitions`: the run's ds window in the
    target is replaced by the freshly built rows, whole partitions at a time,
    so a re-run never duplicates or drops rows, and a partition that is now
    empty is emptied too. The window comes from the run vars (ds_window),
    widened by the model's partition_lookback_days().
-#}
{% macro get_incremental_replace_ds_partitions_sql(arg_dict) %}
    {{- return(adapter.dispatch('replace_ds_partitions_sql')(arg_dict)) -}}
{% endmacro %}

{#- Delete the window, insert the new rows: dbt runs both in one transaction. -#}
{% macro default__replace_ds_partitions_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ ds_in_window('ds', days_before=partition_lookback_days()) }};

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ source }}
{%- endmacro %}

{#- Spark overwrites the partitions present in the new rows (dynamic partition overwrite). -#}
{% macro spark__replace_ds_partitions_sql(arg_dict) %}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    insert overwrite table {{ arg_dict['target_relation'] }}
    partition (ds)
    select {{ columns }}
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
