{#-
    A select of every raw line of `source_name` in the run window with its
    top-level JSON fields as text: (ds, source_file, raw_line,
    is_json_object, record, <column> ...). `fields` maps each JSON key to the
    column that holds it; `record` is the parsed object, for JSON types; a
    line that is not a JSON object has null fields.
-#}
{% macro landing_fields(source_name, fields) -%}
    select
        ds,
        source_file,
        raw_line,
        record is not null as is_json_object,
        record,
        {%- for key, column in fields.items() %}
        {{ json_get_text('record', key) }} as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            ds,
            source_file,
            raw_line,
            {{ json_parse_object('raw_line') }} as record
        from ({{ read_landing_lines(source_name) }}) as landed
    ) as parsed
{%- endmacro %}
