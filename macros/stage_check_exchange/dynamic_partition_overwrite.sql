{#-
    The statement that makes the next `insert overwrite ... partition (...)` on this connection replace
    only the partitions its rows fall in. Spark's default (static) would replace the whole table, and a
    profile's setting may not reach every session (a cluster's Thrift server, a locked-down endpoint), so
    every Spark overwrite of this project runs this first, on its own connection; an engine that refuses
    the setting fails the statement before anything is written. Empty on engines that overwrite no partitions.
-#}
{% macro dynamic_partition_overwrite() %}
    {{- return(adapter.dispatch('dynamic_partition_overwrite')()) -}}
{% endmacro %}

{% macro default__dynamic_partition_overwrite() %}{% endmacro %}

{% macro spark__dynamic_partition_overwrite() -%}
    set spark.sql.sources.partitionOverwriteMode=dynamic
{%- endmacro %}
