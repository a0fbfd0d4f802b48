{#-
    Every landing partition of `source_names` from start_ds to end_ds that a
    run cannot read yet, sorted by source then ds, as
    [{'source': name, 'ds': 'YYYY-MM-DD', 'state': 'not_landed' | 'incomplete', 'message': text}]:
    not_landed when nothing is in its folder, incomplete when files are there
    but no _SUCCESS marker (upstream is still writing it). Empty when every
    partition is complete.
-#}
{% macro landing_partition_problems(source_names, start_ds, end_ds) %}
    {%- set problems = [] -%}
    {%- for source_name in source_names | unique | sort -%}
        {%- set partitions = landing_partitions(source_name) -%}
        {%- for ds in ds_range(start_ds, end_ds) -%}
            {%- set problem = _landing_partition_problem(source_name, ds, partitions) -%}
            {%- if problem is not none -%}
                {%- do problems.append(problem) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(problems) }}
{% endmacro %}


{#- The problem of one partition (as above) given its source's landing_partitions(), or none when it is complete. -#}
{% macro _landing_partition_problem(source_name, ds, partitions) %}
    {%- if (partitions.get(ds) or {}).get('complete') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set folder = landing_root() ~ '/' ~ source_name ~ '/ds=' ~ ds -%}
    {%- if ds in partitions -%}
        {{ return({
            'source': source_name,
            'ds': ds,
            'state': 'incomplete',
            'message': "source '" ~ source_name ~ "' ds=" ~ ds ~ " has no _SUCCESS marker in " ~ folder
                ~ " (upstream is still writing it)",
        }) }}
    {%- endif -%}
    {{ return({
        'source': source_name,
        'ds': ds,
        'state': 'not_landed',
        'message': "source '" ~ source_name ~ "' ds=" ~ ds ~ " has not landed (nothing in " ~ folder ~ ")",
    }) }}
{% endmacro %}
