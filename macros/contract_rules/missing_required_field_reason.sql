{#-
    A CASE expression naming the first required field that is absent, null
    or empty (blank text),
    as 'missing_required_field:<field>'; null when all are present. `fields`
    maps each field name to its text column; a field given as
    {'column': ..., 'when': <sql predicate>} is required only when the
    predicate holds (fields required for some change operations only).
-#}
{% macro missing_required_field_reason(fields) -%}
    case
    {%- for field, spec in fields.items() %}
        {%- set column = spec.column if spec is mapping else spec %}
        {%- set condition = spec.when if spec is mapping else none %}
        when {{ '(' ~ condition ~ ') and ' if condition }}coalesce(trim({{ column }}), '') = '' then 'missing_required_field:{{ field }}'
    {%- endfor %}
    end
{%- endmacro %}
