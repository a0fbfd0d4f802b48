{#- A validated 'YYYY-MM-DD' ds as a SQL date literal. -#}
{% macro ds_literal(ds) %}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', ds | string) -%}
        {{ exceptions.raise_compiler_error("ds_literal: '" ~ ds ~ "' is not a YYYY-MM-DD date") }}
    {%- endif -%}
    cast('{{ ds }}' as date)
{%- endmacro %}
