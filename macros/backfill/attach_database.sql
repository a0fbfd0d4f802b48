{#-
    Makes another database readable in this connection under `alias` and
    returns the name its relations take as their database; the backfill's
    swap reads its build database this way. Run inside the caller's
    transaction: a rollback leaves nothing attached.
-#}
{% macro attach_database(path, alias) %}
    {{- return(adapter.dispatch('attach_database')(path, alias)) -}}
{% endmacro %}

{#- DuckDB: a database is a file, attached read-only. -#}
{% macro duckdb__attach_database(path, alias) %}
    {%- call statement('attach_database') -%}
        attach '{{ path | replace("'", "''") }}' as {{ adapter.quote(alias) }} (read_only)
    {%- endcall -%}
    {{ return(alias) }}
{% endmacro %}

{#- Elsewhere a backfill builds in schemas of production's own catalog (swap_backfill's build_schema_prefix). -#}
{% macro default__attach_database(path, alias) %}
    {{ exceptions.raise_compiler_error("attach_database: attaching a database file is not supported on " ~ adapter.type()) }}
{% endmacro %}
