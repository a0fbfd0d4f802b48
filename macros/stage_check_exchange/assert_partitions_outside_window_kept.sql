{#-
    The blocking check every exchange gets: run in the exchange's transaction,
    before the commit, it compares production's partitions outside
    first_ds .. last_ds with `before` (partitions_outside_window, read before
    the exchange). An exchange may only replace the partitions the run owns:
    when one outside them was removed, emptied or changed in size, it fails
    naming them; the transaction is never committed, so production is
    unchanged. Relies on the exchange not committing on its own: on Spark,
    where it does, the error says the partitions were changed and how to
    restore them.
-#}
{% macro assert_partitions_outside_window_kept(target, first_ds, last_ds, before) %}
    {%- set after = partitions_outside_window(target, first_ds, last_ds) -%}
    {%- set changed = [] -%}
    {%- for ds, rows in before.items() if after.get(ds, 0) != rows -%}
        {%- do changed.append(ds ~ " (" ~ rows ~ " rows, now " ~ after.get(ds, 0) ~ ")") -%}
    {%- endfor -%}
    {%- for ds, rows in after.items() if ds not in before -%}
        {%- do changed.append(ds ~ " (0 rows, now " ~ rows ~ ")") -%}
    {%- endfor -%}
    {%- if changed -%}
        {{ exceptions.raise_compiler_error(
            "Stage-check-exchange stopped " ~ model.name ~ ": the exchange of ds " ~ first_ds ~ " .. " ~ last_ds ~ " would change "
            ~ changed | length ~ " partition(s) outside that window: " ~ _partition_list(changed)
            ~ ". An exchange may only replace the partitions the run owns; " ~ adapter.dispatch('exchange_failure_outcome')()
        ) }}
    {%- endif -%}
{% endmacro %}

{#- What became of production when the check failed: a transaction's engine rolls the exchange back. -#}
{% macro default__exchange_failure_outcome() -%}
    it was rolled back, production is unchanged.
{%- endmacro %}

{#- Spark's exchange commits on its own (a Hive table has no transaction): say so, and how to restore. -#}
{% macro spark__exchange_failure_outcome() -%}
    Spark commits an overwrite on its own, so those partitions were changed and this model's ledger was not: re-run those ds (a run or `stayhub backfill run` over them) to restore them.
{%- endmacro %}
