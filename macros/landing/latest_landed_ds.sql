{#- The latest ds whose partition is complete in every landing source. -#}
{% macro latest_landed_ds() %}
    {%- set state = namespace(common=none) -%}
    {%- for source_name in landing_source_names() -%}
        {%- set partitions = landing_partitions(source_name) -%}
        {%- set complete = [] -%}
        {%- for ds, partition in partitions.items() if partition.complete -%}
            {%- do complete.append(ds) -%}
        {%- endfor -%}
        {%- if state.common is none -%}
            {%- set state.common = complete -%}
        {%- else -%}
            {%- set state.common = state.common | select('in', complete) | list -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not state.common -%}
        {{ exceptions.raise_compiler_error(
            "No ds has landed (with its _SUCCESS marker) in every landing source under '" ~ landing_root()
            ~ "'. Generate or land data first, or pass --vars '{ds: YYYY-MM-DD}'."
        ) }}
    {%- endif -%}
    {{ return(state.common | max) }}
{% endmacro %}
