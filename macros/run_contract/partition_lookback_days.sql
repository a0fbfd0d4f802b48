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
    {%- if execute and var('publish_mode', 'stage_check_exchange') == 'microbatch' -%}
        {%- do assert_microbatch_compatible([model]) -%}
    {%- endif -%}
    {%- set lookback = var('lookback_days') | string -%}
    {%- if not modules.re.fullmatch('[0-9]{1,3}', lookback) -%}
        {{ exceptions.raise_compiler_error("Invalid var `lookback_days`: '" ~ lookback ~ "' is not a whole number of days (0-999).") }}
    {%- endif -%}
    {{ return(lookback | int) }}
{% endmacro %}
