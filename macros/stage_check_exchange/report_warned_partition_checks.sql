{#-
    on-run-end hook: one dbt warning naming every partition check that
    warned in this invocation (published anyway) and the query that lists
    them, so a `dbt run`, whose summary counts no model warnings, ends with
    them in view. `dbt build` also counts them in its summary (WARN=) through
    the test partition_checks_warned.
-#}
{% macro report_warned_partition_checks() %}
    {%- set audit = audit_table_relation() -%}
    {%- if execute and adapter.get_relation(audit.database, audit.schema, audit.identifier) is not none -%}
        {%- set rows = run_query(
            "select model_name, check_name, cast(ds as " ~ dbt.type_string() ~ ") from " ~ audit
            ~ " where run_id = '" ~ invocation_id ~ "' and status = 'warn' order by 1, 2, 3"
        ) -%}
        {%- set warned = {} -%}
        {%- for row in rows -%}
            {%- do warned.setdefault(row[0] ~ " " ~ row[1], []).append(row[2] | string) -%}
        {%- endfor -%}
        {%- if warned -%}
            {%- set items = [] -%}
            {%- for check, days in warned.items() -%}
                {%- do items.append(check ~ " on " ~ _partition_list(days)) -%}
            {%- endfor -%}
            {%- do exceptions.warn(
                "[WARNING]: " ~ rows | length ~ " partition check result(s) warned in this run and were published: "
                ~ items | join("; ") ~ ". List them: select * from " ~ audit.schema ~ "." ~ audit.identifier ~ " where run_id = '" ~ invocation_id
                ~ "' and status = 'warn'"
            ) -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
