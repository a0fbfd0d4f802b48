{#-
    Keyed one-way hash of personal data (an email): HMAC-SHA-256, hex, of the
    value trimmed and lower-cased, so one address always hashes alike. The key
    is read by the engine at execution time and never appears in SQL;
    assert_pii_key stops a run that would hash without it.
-#}
{% macro pii_hash(expr) %}
    {{- return(adapter.dispatch('pii_hash')(expr)) -}}
{% endmacro %}

{% macro default__pii_hash(expr) -%}
    {%- if execute -%}
        {{ exceptions.raise_compiler_error(
            "pii_hash: no keyed hash for adapter '" ~ adapter.type() ~ "'. Add " ~ adapter.type()
            ~ "__pii_hash (macros/pii/pii_hash.sql): an HMAC-SHA-256 whose key the engine reads"
            ~ " at execution time, never a literal in the SQL."
        ) }}
    {%- endif -%}
    cast(null as {{ dbt.type_string() }})
{%- endmacro %}

{#- pii_hmac_sha256 is registered by the pii_key plugin (profiles/profiles.yml) with the key of $WAREHOUSE_PII_KEY_FILE. -#}
{% macro duckdb__pii_hash(expr) -%}
    pii_hmac_sha256(lower(trim({{ expr }})))
{%- endmacro %}

{#- Spark: the same function, registered in the session by `python -m stayhub.spark` (stayhub/spark.py). -#}
{% macro spark__pii_hash(expr) -%}
    {{ duckdb__pii_hash(expr) }}
{%- endmacro %}
