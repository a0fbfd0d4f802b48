{#-
    A select of every raw line of `source_name` in the run window with its
    top-level JSON fields as text: (ds, source_file, raw_line, read_error,
    is_json_object, record, <column> ...). `fields` maps each JSON key to the
    column that holds it; `record` is the parsed object, for JSON types; a
    line that is not a JSON object has null fields. A row with a read_error
    (read_landing_lines) is never parsed: a lines model rejects it first,
    with read_error as its reason.
-#}
{% macro landing_fields(source_name, fields) -%}
    select
        ds,
        source_file,
        raw_line,
        read_error,
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
            read_error,
            case when read_error is null then {{ json_parse_object('raw_line') }} end as record
        from ({{ read_landing_lines(source_name) }}) as landed
    ) as parsed
{%- endmacro %}
