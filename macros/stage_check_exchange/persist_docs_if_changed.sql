{#-
    dbt's persist_docs for a published table, skipped when its comments
    already hold the model's YAML descriptions: an exchange of partitions keeps
    the table and its comments, so only a new table (first build, full
    refresh) or a changed description writes them again.
-#}
{% macro persist_docs_if_changed(relation, model) %}
    {{- return(adapter.dispatch('persist_docs_if_changed')(relation, model)) -}}
{% endmacro %}

{#- Engines without a cheap read of their comments write them every time, as dbt does. -#}
{% macro default__persist_docs_if_changed(relation, model) %}
    {%- do persist_docs(relation, model) -%}
{% endmacro %}

{#-
    DuckDB: one query reads the table's and its columns' comments; only the
    ones that differ are written, and committed (dbt-duckdb's persist_docs
    runs the column comments in a transaction nobody commits, so they were
    rolled back).
-#}
{% macro duckdb__persist_docs_if_changed(relation, model) %}
    {%- set where = "database_name = '" ~ relation.database ~ "' and schema_name = '" ~ relation.schema ~ "' and table_name = '" ~ relation.identifier ~ "'" -%}
    {%- set rows = run_query(
        "select null as column_name, comment from duckdb_tables() where " ~ where
        ~ " union all select column_name, comment from duckdb_columns() where " ~ where
    ) -%}
    {%- set table_comment = [] -%}
    {%- set column_comments = {} -%}
    {%- for row in rows -%}
        {%- if row[0] is none -%}
            {%- do table_comment.append(row[1]) -%}
        {%- else -%}
            {%- do column_comments.update({row[0]: row[1]}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- if config.persist_relation_docs() and model.description and table_comment != [model.description] -%}
        {%- do statements.append(alter_relation_comment(relation, model.description)) -%}
    {%- endif -%}
    {%- if config.persist_column_docs() -%}
        {%- for name, column in model.columns.items() if name in column_comments and column.description and column_comments[name] != column.description -%}
            {%- do statements.append("comment on column " ~ relation ~ "." ~ adapter.quote(name) ~ " is " ~ duckdb_escape_comment(column.description) ~ ";") -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if statements -%}
        {%- call statement('persist_docs_if_changed') -%}
            {{ statements | join('\n') }}
        {%- endcall -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
{% endmacro %}

{#- Spark: Hive tables keep no column comments that dbt-spark would update in place; the docs live in dbt's. -#}
{% macro spark__persist_docs_if_changed(relation, model) %}
{% endmacro %}
