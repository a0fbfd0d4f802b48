{#-
    on-run-start hook, before anything is built: when the selection holds a
    model that handles personal data (it calls pii_hash, or redact_emails, which
    may hash), the engine must hold the key, else the run stops naming what to
    set. Nothing is ever hashed without the key; no run falls back to an unkeyed hash.
-#}
{% macro assert_pii_key() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set hashing = _pii_hashing_models(selected_resources) -%}
    {%- if not hashing -%}
        {{ return('') }}
    {%- endif -%}
    {%- set problem = adapter.dispatch('assert_pii_key')() -%}
    {%- if problem -%}
        {{ exceptions.raise_compiler_error(
            "No key for personal data: " ~ problem ~ ". The selected models handle personal data ("
            ~ hashing | sort | join(', ') ~ "). Nothing was built; production is unchanged.\n"
            ~ "Set WAREHOUSE_PII_KEY_FILE to a file holding a secret key of at least 32 bytes"
            ~ " (e.g. openssl rand -hex 32 > /secure/place/stayhub-pii.key); keep the same key for a"
            ~ " warehouse, or its hashes change. scripts/run_warehouse.sh makes a sample key for the sample it lands."
        ) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{#- Why the engine cannot hash personal data (a text), or none when it can. -#}
{% macro default__assert_pii_key() %}
    {{ return("adapter '" ~ adapter.type() ~ "' has no keyed hash (pii_hash)") }}
{% endmacro %}

{% macro duckdb__assert_pii_key() %}
    {%- set registered = run_query(
        "select count(*) from duckdb_functions() where function_name = 'pii_key_problem'"
    ).columns[0].values()[0] -%}
    {%- if registered == 0 -%}
        {{ return("the profile does not load the pii_key plugin (profiles/profiles.yml, plugins:)") }}
    {%- endif -%}
    {{ return(run_query("select pii_key_problem()").columns[0].values()[0]) }}
{% endmacro %}


{#- Names of the models among unique_ids that call pii_hash or redact_emails themselves. -#}
{% macro _pii_hashing_models(unique_ids) %}
    {%- set hashing_macros = ['macro.' ~ project_name ~ '.pii_hash', 'macro.' ~ project_name ~ '.redact_emails'] -%}
    {%- set names = [] -%}
    {%- for unique_id in unique_ids if unique_id in graph.nodes -%}
        {%- set node = graph.nodes[unique_id] -%}
        {%- if node.resource_type == 'model' and node.depends_on.macros | select('in', hashing_macros) | list -%}
            {%- do names.append(node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}

{% macro spark__assert_pii_key() %}
    {%- if run_query("show user functions like 'pii_key_problem'") | length == 0 -%}
        {{ return("the Spark session has no pii_key_problem function: run dbt on Spark through"
            ~ " `python -m stayhub.spark` (stayhub/spark.py), which registers it") }}
    {%- endif -%}
    {{ return(run_query("select pii_key_problem()").columns[0].values()[0]) }}
{% endmacro %}
