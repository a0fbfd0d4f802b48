{#-
    dbt appends this to every Python model's code (it overrides dbt's empty
    entry point): the partitions the model owns in this run, as
    partition_window = ('<first ds>', '<last ds>'), the run's window widened
    by the model's lookback, as the `partitioned` materialization stages them.
-#}
{% macro py_script_comment() %}
{%- set window = ds_window() %}
partition_window = ({{ ds_shift(window.start_ds, -partition_lookback_days()) | tojson }}, {{ window.end_ds | tojson }})
{% endmacro %}
