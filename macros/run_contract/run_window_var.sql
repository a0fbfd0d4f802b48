{#-
    One var of the run window (`ds`, `start_ds` or `end_ds`) as passed, or
    none. From --vars when any window var is passed there; else from the
    environment ($STAYHUB_DS, $STAYHUB_START_DS, $STAYHUB_END_DS), read only
    while executing: dbt's partial parsing hashes --vars, so every new window
    passed there parses the whole project again, while an environment variable
    read at execute time is no parse input (stayhub's commands pass it so).
-#}
{% macro run_window_var(name) %}
    {%- if name not in ('ds', 'start_ds', 'end_ds') -%}
        {{ exceptions.raise_compiler_error("run_window_var: '" ~ name ~ "' is not a window var (ds, start_ds, end_ds)") }}
    {%- endif -%}
    {%- if _window_passed_as_vars() or not execute -%}
        {{ return(var(name, none)) }}
    {%- endif -%}
    {%- set value = env_var(run_window_env_name(name), '') | trim -%}
    {{ return(value if value != '' else none) }}
{% endmacro %}


{#- How a window var was passed, for messages: "var `ds`" or "$STAYHUB_DS". -#}
{% macro run_window_var_label(name) %}
    {{ return("var `" ~ name ~ "`" if _window_passed_as_vars() or not execute else "$" ~ run_window_env_name(name)) }}
{% endmacro %}


{% macro run_window_env_name(name) %}
    {{ return('STAYHUB_' ~ name | upper) }}
{% endmacro %}


{% macro _window_passed_as_vars() %}
    {{ return(var('ds', none) is not none or var('start_ds', none) is not none or var('end_ds', none) is not none) }}
{% endmacro %}
