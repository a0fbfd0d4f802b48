{#-
    Personal data out of free text that leaves the base layer: every email-shaped
    substring (its @ also percent-encoded, %40 or %2540) becomes the marker
    `redacted-email`. With keep_identity, a value holding one (an identifier)
    becomes instead its keyed hash (pii_hash), so it still identifies alike.
-#}
{% macro redact_emails(expr, keep_identity=false) -%}
    {%- set email = '[A-Za-z0-9._%+-]+(@|%(25)*40)[A-Za-z0-9.-]+[.][A-Za-z]{2,}' -%}
    {#- Every match holds an @ or a %: text without either (nearly all) skips the regular expression. -#}
    {%- set may_hold_email = '(' ~ dbt.position("'@'", expr) ~ ' > 0 or ' ~ dbt.position("'%'", expr) ~ ' > 0)' -%}
    {%- if keep_identity -%}
        case when {{ may_hold_email }} and {{ regexp_like(expr, email) }} then {{ pii_hash(expr) }} else {{ expr }} end
    {%- else -%}
        case when {{ may_hold_email }} then {{ regexp_replace_all(expr, email, 'redacted-email') }} else {{ expr }} end
    {%- endif -%}
{%- endmacro %}
