{#-
    Which partitions a partition ds = D of a partitioned model is built from,
    as a list of {'input_model': name, 'first_offset': int, 'last_offset': int}:
    the input model's partitions D + first_offset .. D + last_offset. Derived
    from the model's declared meta and its parents, the same declarations the
    backfill runner plans with (tests/integration/test_backfill.py checks the
    own-partition part against the compiled SQL):

    - its own earlier partitions: meta.depends_on_past N reads D - N .. D - 1;
      true builds on D - 1 (which builds on D - 2, and so on);
    - every partitioned model it reads, through views:
      - when the model rewrites late partitions (meta.rewrites_late_partitions,
        partitioned by event date) and the parent does not (partitioned by
        landing ds), the landing partitions an event of D can arrive in: from
        D - early (a delivery can be dated the day before its event: the
        landing day plus var landing_max_clock_skew_minutes) to
        D + lookback (var lookback_days); a parent that depends on its past
        (depends_on_past: true, a CDC snapshot) is read as of the day before
        the first of those, D - early - 1;
      - otherwise the parent's partition D.
    Sources and seeds are not partitions of the ledger; a seed enters the
    model's fingerprint instead.

    node_unique_id: the model's unique_id (model.stayhub_warehouse.fct_page_views).
-#}
{% macro partition_input_windows(node_unique_id) %}
    {%- set node = graph.nodes.get(node_unique_id) -%}
    {%- if node is none or node.resource_type != 'model' -%}
        {{ exceptions.raise_compiler_error("partition_input_windows: '" ~ node_unique_id ~ "' is not a model of the graph") }}
    {%- endif -%}
    {%- set meta = node.config.meta or {} -%}
    {%- set late = _partition_inputs_rewrites_late(node) -%}
    {%- set lookback = var('lookback_days') | int if late else 0 -%}
    {%- set early = 1 + (var('landing_max_clock_skew_minutes') | int) // 1440 -%}
    {%- set windows = [] -%}

    {%- set own = meta.get('depends_on_past') -%}
    {%- if own is sameas true -%}
        {%- do windows.append({'input_model': node.name, 'first_offset': -1, 'last_offset': -1}) -%}
    {%- elif own and (own | string | trim).isdigit() and own | int > 0 -%}
        {%- do windows.append({'input_model': node.name, 'first_offset': -(own | int), 'last_offset': -1}) -%}
    {%- endif -%}

    {%- for parent in _partition_inputs_parents(node, []) -%}
        {%- if late and not _partition_inputs_rewrites_late(parent) -%}
            {%- if parent.config.meta.get('depends_on_past') is sameas true -%}
                {%- do windows.append({'input_model': parent.name, 'first_offset': -early - 1, 'last_offset': -early - 1}) -%}
            {%- else -%}
                {%- do windows.append({'input_model': parent.name, 'first_offset': -early, 'last_offset': lookback}) -%}
            {%- endif -%}
        {%- else -%}
            {%- do windows.append({'input_model': parent.name, 'first_offset': 0, 'last_offset': 0}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(windows) }}
{% endmacro %}


{#- The partitioned models `node` reads, directly or through views, each once, in name order. -#}
{% macro _partition_inputs_parents(node, seen) %}
    {%- set found = [] -%}
    {%- for parent_id in node.depends_on.nodes if parent_id not in seen -%}
        {%- do seen.append(parent_id) -%}
        {%- set parent = graph.nodes.get(parent_id) -%}
        {%- if parent is not none and parent.resource_type == 'model' -%}
            {%- if parent.config.materialized == 'partitioned' -%}
                {%- do found.append(parent) -%}
            {%- elif parent.config.materialized == 'view' -%}
                {%- do found.extend(_partition_inputs_parents(parent, seen)) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found | sort(attribute='name')) }}
{% endmacro %}


{% macro _partition_inputs_rewrites_late(node) %}
    {{ return((node.config.meta or {}).get('rewrites_late_partitions') is sameas true) }}
{% endmacro %}
