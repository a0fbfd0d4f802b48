{#-
    A fingerprint of what builds a node's rows, Merkle style: md5 over
      - raw_code, the node's SQL as written;
      - the config that shapes its rows: materialized, unique_key,
        incremental_strategy, and meta without partition_checks (checks guard
        publication, they do not shape data) and depends_on_past (a hint to
        the backfill runner);
      - the source of every macro of this project the node uses, transitively
        (depends_on.macros, each macro's own depends_on.macros, and the
        implementation adapter.dispatch resolves to on this engine when it is
        a macro of this project, e.g. duckdb__regexp_like, or this project's
        duckdb__safe_cast behind dbt.safe_cast);
      - the fingerprint of every parent: models recursively, seeds by their
        file checksum, sources by their unique_id.
    So a change to a model's SQL changes the fingerprint of every model
    downstream of it. Run vars (the ds window) do not enter it.
-#}
{% macro model_fingerprint(node_unique_id) %}
    {#-
        One memo per invocation, kept in `graph`, the one object every node's
        context shares: the graph cannot change during a run, and a model's
        fingerprint walks all its ancestors, so each is computed once per run,
        not once per model downstream of it.
    -#}
    {%- set memo = graph.setdefault('stayhub_fingerprint_memo', {'nodes': {}}) if graph is mapping else {'nodes': {}} -%}
    {{ return(_model_fingerprint(node_unique_id, memo)) }}
{% endmacro %}


{#- memo: {'nodes': {unique_id: fingerprint}}, shared by the calls of one operation. -#}
{% macro _model_fingerprint(unique_id, memo) %}
    {%- if unique_id in memo.nodes -%}
        {{ return(memo.nodes[unique_id]) }}
    {%- endif -%}
    {%- set node = graph.nodes.get(unique_id) -%}
    {%- if node is none or node.resource_type != 'model' -%}
        {{ exceptions.raise_compiler_error("model_fingerprint: '" ~ unique_id ~ "' is not a model of the graph") }}
    {%- endif -%}

    {%- set meta = {} -%}
    {%- for key, value in (node.config.meta or {}).items() if key not in ('partition_checks', 'depends_on_past') -%}
        {%- do meta.update({key: value}) -%}
    {%- endfor -%}

    {%- set macros = {} -%}
    {%- for macro_id in node.depends_on.macros -%}
        {%- do _fingerprint_collect_macros(macro_id, macros) -%}
    {%- endfor -%}
    {%- set project_macros = {} -%}
    {%- for macro_id, macro_sql in macros.items() if macro_sql is not none -%}
        {%- do project_macros.update({macro_id: local_md5(macro_sql)}) -%}
    {%- endfor -%}

    {%- set parents = {} -%}
    {%- for parent_id in node.depends_on.nodes -%}
        {%- do parents.update({parent_id: _fingerprint_parent(parent_id, memo)}) -%}
    {%- endfor -%}

    {%- set fingerprint = local_md5(tojson({
        'raw_code': node.raw_code,
        'config': {
            'materialized': node.config.materialized,
            'unique_key': node.config.unique_key,
            'incremental_strategy': node.config.incremental_strategy,
            'meta': meta,
        },
        'macros': project_macros,
        'parents': parents,
    }, sort_keys=true)) -%}
    {%- do memo.nodes.update({unique_id: fingerprint}) -%}
    {{ return(fingerprint) }}
{% endmacro %}


{#- A parent's part of the fingerprint: a model's own fingerprint, a seed's file checksum, else its unique_id. -#}
{% macro _fingerprint_parent(parent_id, memo) %}
    {%- set parent = graph.nodes.get(parent_id) -%}
    {%- if parent is not none and parent.resource_type == 'model' -%}
        {{ return(_model_fingerprint(parent_id, memo)) }}
    {%- elif parent is not none and parent.checksum and parent.checksum.checksum -%}
        {{ return(parent.resource_type ~ ':' ~ parent.checksum.checksum) }}
    {%- else -%}
        {{ return(parent_id) }}
    {%- endif -%}
{% endmacro %}


{#-
    Adds macro_id and every macro it reaches to `found`: {unique_id: its
    source when it is a macro of this project, else none}. Macros of other
    packages are walked, not hashed: dbt.safe_cast leads to this project's
    duckdb__safe_cast. dbt's parser records in depends_on.macros the
    implementation adapter.dispatch('<literal name>') resolves to on this
    engine, so that is the one that counts.
-#}
{% macro _fingerprint_collect_macros(macro_id, found) %}
    {%- if macro_id in found -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set macro = _fingerprint_macro(macro_id) -%}
    {%- do found.update({macro_id: macro.macro_sql if macro is not none and macro.package_name == project_name else none}) -%}
    {%- for child_id in (macro.depends_on.macros if macro is not none else []) -%}
        {%- do _fingerprint_collect_macros(child_id, found) -%}
    {%- endfor -%}
{% endmacro %}


{#- A macro by unique_id (macro.<package>.<name>), or none when this context cannot reach it. -#}
{% macro _fingerprint_macro(macro_id) %}
    {%- set parts = macro_id.split('.') -%}
    {%- set package = context.get(parts[1]) -%}
    {%- set generator = package.get(parts[2]) if package is mapping else context.get(parts[2]) -%}
    {%- if generator is none or generator.macro is not defined or generator.macro.unique_id != macro_id -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(generator.macro) }}
{% endmacro %}
