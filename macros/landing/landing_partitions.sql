{#-
    The partitions of one landing source, as
    {ds: {'complete': bool, 'files': [part file paths]}}. A partition is
    complete once its _SUCCESS marker exists.
-#}
{% macro landing_partitions(source_name) %}
    {%- set partitions = {} -%}
    {%- for path in list_landing_files(source_name) -%}
        {%- set match = modules.re.search('/ds=([0-9]{4}-[0-9]{2}-[0-9]{2})/([^/]+)$', path) -%}
        {%- if match -%}
            {%- set partition = partitions.setdefault(match.group(1), {'complete': false, 'files': []}) -%}
            {%- if match.group(2) == '_SUCCESS' -%}
                {%- do partition.update({'complete': true}) -%}
            {%- elif match.group(2).endswith('.jsonl.gz') -%}
                {%- do partition.files.append(path) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(partitions) }}
{% endmacro %}
