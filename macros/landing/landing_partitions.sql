{#-
    The partitions of one landing source, as {ds: {'complete': bool,
    'files': [part file paths to read], 'unexpected_files': [source_file]}}.
    A partition is complete once its _SUCCESS marker exists. Only files named
    part-*.jsonl.gz are read; anything else in the folder (another file name,
    a sub-folder, listed with a trailing '/') is an unexpected file, named
    relative to the landing root like the lines' source_file.
-#}
{% macro landing_partitions(source_name) %}
    {%- set partitions = {} -%}
    {%- for path in list_landing_files(source_name) -%}
        {%- set match = modules.re.search('/ds=([0-9]{4}-[0-9]{2}-[0-9]{2})/([^/]+/?)$', path) -%}
        {%- if match -%}
            {%- set partition = partitions.setdefault(match.group(1), {'complete': false, 'files': [], 'unexpected_files': []}) -%}
            {%- set name = match.group(2) -%}
            {%- if name == '_SUCCESS' -%}
                {%- do partition.update({'complete': true}) -%}
            {%- elif modules.re.fullmatch('part-[^/]*[.]jsonl[.]gz', name) -%}
                {%- do partition.files.append(path) -%}
            {%- else -%}
                {%- do partition.unexpected_files.append(source_name ~ '/ds=' ~ match.group(1) ~ '/' ~ name) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(partitions) }}
{% endmacro %}
