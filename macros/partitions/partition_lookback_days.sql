{#-
    How many days before the run window a model rewrites: var lookback_days
    (default 4) for models whose config sets meta.rewrites_late_partitions
    (facts that late data can change), else 0. dbt's microbatch cannot widen a
    batch, so with publish_mode microbatch such a model stops here instead.
-#}
{% macro partition_lookback_days() %}
    {%- set meta = config.get('meta') or {} -%}
    {%- if not meta.get('rewrites_late_partitions') -%}
        {{ return(0) }}
    {%- endif -%}
    {%- if execute and publish_mode() == 'microbatch' -%}
        {%- do assert_microbatch_compatible([model]) -%}
    {%- endif -%}
    {%- set problem = _whole_number_var_problem('lookback_days', 0, 30) -%}
    {%- if problem is not none and execute -%}
        {{ exceptions.raise_compiler_error("Invalid run vars: " ~ problem) }}
    {%- endif -%}
    {{ return(0 if problem is not none else var('lookback_days') | int) }}
{% endmacro %}
