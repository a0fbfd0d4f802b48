{#-
    Materialization `partitioned`: stage-check-exchange for every model
    partitioned by ds.

    1. stage   the model's rows for the run window (widened by the model's
               lookback) are built into <schema>_stage.<model> (a Python
               model reads its window as partition_window: py_script_comment);
    2. check   the model's partition checks (meta.partition_checks in its
               YAML) run on every staged ds; every result goes to the audit
               table; a failed `error` check stops here: production is
               untouched and the staged rows stay for inspection; a `warn`
               is logged and a `skip` (a check that could not judge the ds,
               e.g. no history yet) recorded, and neither blocks;
    3. exchange the window's partitions of production are replaced by the
               staged ones in one atomic step (exchange_partitions, dispatched
               per engine); a first build or --full-refresh swaps in a whole
               new table the same way, refused while production holds
               partitions outside the window (assert_full_refresh_keeps_history).
               Before the commit, a partition outside the window that changed
               fails the model (assert_partitions_outside_window_kept). The
               same transaction replaces the model's rows of those partitions
               in audit.partition_ledger (macros/ledger): run, time, rows,
               check status, fingerprint.
-#}
{% materialization partitioned, default, supported_languages=['sql', 'python'] %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set stage_relation = stage_relation_for(target_relation) -%}
    {%- set window = ds_window() -%}
    {%- set first_ds = ds_shift(window.start_ds, -partition_lookback_days()) -%}
    {%- set replace_whole_table = existing_relation is none or should_full_refresh() or existing_relation.type != 'table' -%}
    {%- do assert_full_refresh_keeps_history(existing_relation, first_ds, window.end_ds) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}

    {#- 1. Stage. -#}
    {%- do adapter.drop_relation(stage_relation) -%}
    {%- call statement('stage', language=model.language) -%}
        {{ create_partitioned_table_as(stage_relation, compiled_code, language=model.language) }}
    {%- endcall -%}
    {%- do adapter.commit() -%}
    {%- do _assert_rows_inside_window(stage_relation, first_ds, window.end_ds) -%}

    {#- 2. Check. -#}
    {%- set failures = run_partition_checks(stage_relation, target_relation if not replace_whole_table else none, first_ds, window.end_ds) -%}
    {%- if failures -%}
        {{ exceptions.raise_compiler_error(
            "Stage-check-exchange stopped " ~ model.name ~ ": " ~ failures | length ~ " blocking check(s) failed, production is unchanged"
            ~ " and the staged rows are kept in " ~ stage_relation ~ ".\n" ~ failures | join("\n")
        ) }}
    {%- endif -%}

    {#- 3. Exchange. -#}
    {%- set fingerprint = model_fingerprint(model.unique_id) -%}
    {{ log(model.name ~ ": no blocking check failed, exchanging partitions " ~ first_ds ~ " .. " ~ window.end_ds ~ " into " ~ target_relation, info=true) }}
    {#- One transaction: the exchange and its ledger rows commit whole or not at all. -#}
    {%- set outside_before = partitions_outside_window(existing_relation, first_ds, window.end_ds) -%}
    {%- if replace_whole_table -%}
        {%- call statement('main') -%}
            {{ replace_table_with_stage(target_relation, stage_relation, existing_relation) }}
        {%- endcall -%}
    {%- else -%}
        {%- set columns = _assert_same_columns(stage_relation, target_relation) -%}
        {%- call statement('main') -%}
            {{ exchange_partitions(target_relation, stage_relation, first_ds, window.end_ds, columns) }}
        {%- endcall -%}
    {%- endif -%}
    {%- do assert_partitions_outside_window_kept(target_relation, first_ds, window.end_ds, outside_before) -%}
    {%- call statement('partition_ledger') -%}
        {{ partition_ledger_upsert(model.name, stage_relation, first_ds, window.end_ds, fingerprint, whole_table=replace_whole_table) }}
    {%- endcall -%}
    {%- do adapter.commit() -%}
    {%- do adapter.drop_relation(stage_relation) -%}

    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {%- do persist_docs_if_changed(target_relation, model) -%}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{#- A model may only produce rows of the partitions it owns in this run. -#}
{% macro _assert_rows_inside_window(stage_relation, first_ds, last_ds) %}
    {%- set outside = run_query(
        "select count(*) from " ~ stage_relation ~ " where ds is null or ds < " ~ ds_literal(first_ds) ~ " or ds > " ~ ds_literal(last_ds)
    ).columns[0].values()[0] -%}
    {%- if outside > 0 -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ " produced " ~ outside ~ " row(s) with a null ds or a ds outside the partitions it owns in this run ("
            ~ first_ds ~ " .. " ~ last_ds ~ "); production is unchanged, the rows are in " ~ stage_relation ~ "."
        ) }}
    {%- endif -%}
{% endmacro %}


{#- Partitions can only be exchanged between tables of the same columns; returns the stage's column names. -#}
{% macro _assert_same_columns(stage_relation, target_relation) %}
    {%- set stage_columns = adapter.get_columns_in_relation(stage_relation) | map(attribute='name') | list -%}
    {%- set staged = stage_columns | map('lower') | list -%}
    {%- set published = adapter.get_columns_in_relation(target_relation) | map(attribute='name') | map('lower') | list -%}
    {%- if staged != published -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ ": the model's columns changed (" ~ staged | join(', ') ~ ") from the published table's ("
            ~ published | join(', ') ~ "); rebuild it with --full-refresh over the whole history."
        ) }}
    {%- endif -%}
    {{ return(stage_columns) }}
{% endmacro %}
