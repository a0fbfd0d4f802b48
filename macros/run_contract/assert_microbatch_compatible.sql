{#-
    With --vars '{publish_mode: microbatch}': stops the run, naming the models
    and why, when any of `nodes` (model nodes: [model], or graph.nodes values)
    is one dbt's microbatch strategy cannot build right, one ds per batch.

    - meta.rewrites_late_partitions: the model rewrites the lookback_days
      partitions before its window with events landed after them; a batch
      reads data only up to its own ds, so microbatch would publish other
      numbers. Such models are built by range runs or the backfill runner.
    - meta.depends_on_past: the model reads its own earlier partitions inside
      our macros, where dbt cannot see it. Its batches must run in order
      (concurrent_batches: false, set per folder in dbt_project.yml), and not
      under --full-refresh: dbt then compiles every batch as a full refresh,
      so is_incremental() is false and the batches before are not read.
-#}
{% macro assert_microbatch_compatible(nodes) %}
    {%- set found = {'rewrites_late_partitions': [], 'concurrent_batches': [], 'full_refresh': []} -%}
    {%- for node in nodes -%}
        {%- set meta = node.config.meta or {} -%}
        {%- if meta.get('rewrites_late_partitions') -%}
            {%- do found.rewrites_late_partitions.append(node.name) -%}
        {%- elif meta.get('depends_on_past') and node.config.concurrent_batches != false -%}
            {%- do found.concurrent_batches.append(node.name) -%}
        {%- elif meta.get('depends_on_past') and flags.FULL_REFRESH -%}
            {%- do found.full_refresh.append(node.name) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- if found.rewrites_late_partitions -%}
        {{ exceptions.raise_compiler_error(
            "Cannot build " ~ found.rewrites_late_partitions | sort | join(', ') ~ " with publish_mode microbatch: they set"
            ~ " meta.rewrites_late_partitions, so each run rewrites the " ~ var('lookback_days') ~ " partitions before"
            ~ " its window with late events landed after them, while a dbt microbatch batch reads data only up to its own ds:"
            ~ " the numbers would differ. Build them without publish_mode microbatch, by a range run (dbt build --select "
            ~ found.rewrites_late_partitions | sort | join(' ') ~ " --vars '{start_ds: YYYY-MM-DD, end_ds: YYYY-MM-DD}') or the"
            ~ " backfill runner (stayhub backfill); with microbatch, select --selector microbatch_compatible."
        ) }}
    {%- elif found.concurrent_batches -%}
        {{ exceptions.raise_compiler_error(
            "Cannot build " ~ found.concurrent_batches | sort | join(', ') ~ " with publish_mode microbatch: they read their own"
            ~ " earlier partitions (meta.depends_on_past), so their batches must run in order. Set +concurrent_batches: false"
            ~ " for them in dbt_project.yml."
        ) }}
    {%- elif found.full_refresh -%}
        {{ exceptions.raise_compiler_error(
            "Cannot --full-refresh " ~ found.full_refresh | sort | join(', ') ~ " with publish_mode microbatch: they read their own"
            ~ " earlier partitions (meta.depends_on_past), and dbt compiles every batch of a full refresh as if no batch"
            ~ " came before it. Drop their tables (or start from an empty warehouse) and run without --full-refresh."
        ) }}
    {%- endif -%}
{% endmacro %}
