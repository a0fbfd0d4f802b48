{#-
    One-way hash of personal data (an email), normalised first so the same
    address always hashes alike. Salted by $WAREHOUSE_PII_SALT when it is set.
-#}
{% macro pii_hash(expr) -%}
    case
        when {{ expr }} is not null
            then {{ dbt.hash(dbt.concat(["'" ~ (env_var('WAREHOUSE_PII_SALT', '') | replace("'", "''")) ~ "'", "lower(trim(" ~ expr ~ "))"])) }}
    end
{%- endmacro %}
