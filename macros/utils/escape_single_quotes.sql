{#-
    dbt's escape_single_quotes for Spark, whose string literals also read a
    backslash as an escape: dbt-spark's escapes the quotes only, so a
    backslash in the text (a file name) would change it.
-#}
{% macro spark__escape_single_quotes(expression) -%}
    {{ expression | replace("\\", "\\\\") | replace("'", "\\'") }}
{%- endmacro %}
