{#-
    A select of every raw line of `source_name` in the run window with its
    top-level JSON fields as text: (ds, source_file, raw_line, read_error,
    line_occurrence, is_json_object, record, <column> ...). `fields` maps each
    JSON key to the column that holds it; `record` is the line when it is a
    JSON object (text, for json_is_number); a line that is not has null fields.
    line_occurrence tells identical lines of one file apart
    (number_landing_lines). A row with a read_error (read_landing_lines) is
    never parsed: a lines model rejects it first, with read_error as its reason.
-#}
{% macro landing_fields(source_name, fields) -%}
    select
        ds,
        source_file,
        raw_line,
        read_error,
        line_occurrence,
        record is not null as is_json_object,
        record,
        {%- for column in fields.values() %}
        {{ array_element('field_texts', loop.index) }} as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            *,
            {#- One parse of each line for all its fields. #}
            {{ json_get_texts('record', fields.keys() | list) }} as field_texts
        from (
            select
                ds,
                source_file,
                raw_line,
                read_error,
                line_occurrence,
                case when read_error is null then {{ json_object_text('raw_line') }} end as record
            from ({{ number_landing_lines(read_landing_lines(source_name)) }}) as landed
        ) as parsed
    ) as extracted
{%- endmacro %}
