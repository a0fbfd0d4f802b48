{#-
    A left join, as `alias`, of the version of a type-2 history valid on a
    date: the row whose key equals `foreign_key` and with valid_from <=
    `as_of` < valid_to (valid_to null while current). `columns` {alias:
    expression over the history} are what the join selects, beside
    entity_key.

    A history built by dimension_history from a daily snapshot says so in
    its model's meta.history_of {snapshot, entity_key, unknown_key}. Its
    version valid on a date is then the snapshot's row of that ds, or of
    the latest ds for a later date, so the join reads the snapshot by
    (key, ds) rather than computing every version of every entity: its cost
    does not grow with the days of history. Expressions that use the
    history's own columns (version_number, is_current, valid_from,
    valid_to) keep the range join.
-#}
{% macro history_as_of_join(history, alias, columns, key, foreign_key, as_of, valid_from='valid_from', valid_to='valid_to') %}
    {%- set history_of = _history_as_of_snapshot(history, columns, key, valid_from, valid_to) -%}
    {%- if history_of is none %}
    left join (
        select
            {%- for column_alias, expression in columns.items() %}
            {{ expression }} as {{ column_alias }},
            {%- endfor %}
            {{ valid_from }} as valid_from,
            {{ valid_to }} as valid_to,
            {{ key }} as entity_key
        from {{ history }}
    ) as {{ alias }}
        on
            {{ foreign_key }} = {{ alias }}.entity_key
            and {{ as_of }} >= {{ alias }}.valid_from
            and ({{ as_of }} < {{ alias }}.valid_to or {{ alias }}.valid_to is null)
    {%- else %}
    {%- set known_rows = key ~ ' <> ' ~ history_of.unknown_key if history_of.unknown_key is not none else '1 = 1' %}
    cross join (
        select max(ds) as latest_ds
        from {{ history_of.snapshot }}
        where {{ known_rows }}
    ) as {{ alias }}__latest
    left join (
        select
            {%- for column_alias, expression in columns.items() %}
            {{ expression }} as {{ column_alias }},
            {%- endfor %}
            ds as snapshot_ds,
            {{ key }} as entity_key
        from {{ history_of.snapshot }}
        where {{ known_rows }}
    ) as {{ alias }}
        on
            {{ foreign_key }} = {{ alias }}.entity_key
            {#- A null as_of matches no version, as in the range join. #}
            and {{ alias }}.snapshot_ds = case
                when {{ as_of }} > {{ alias }}__latest.latest_ds then {{ alias }}__latest.latest_ds
                else {{ as_of }}
            end
    {%- endif %}
{% endmacro %}


{#- The snapshot relation and unknown key behind `history`, or none when the range join must stay. -#}
{% macro _history_as_of_snapshot(history, columns, key, valid_from, valid_to) %}
    {%- if not execute or valid_from != 'valid_from' or valid_to != 'valid_to' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set history_node = _model_node_of(history) -%}
    {%- set history_of = history_node.config.meta.get('history_of') if history_node is not none else none -%}
    {%- if not history_of or history_of.entity_key != key -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for expression in columns.values() -%}
        {%- if modules.re.search('\\b(version_number|is_current|valid_from|valid_to|last_seen_ds)\\b', expression | string) -%}
            {{ return(none) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set snapshot_node = graph.nodes.get('model.' ~ history_node.package_name ~ '.' ~ history_of.snapshot) -%}
    {%- if snapshot_node is none -%}
        {{ exceptions.raise_compiler_error(
            history_node.name ~ ": meta.history_of.snapshot '" ~ history_of.snapshot ~ "' is not a model of " ~ history_node.package_name ~ "."
        ) }}
    {%- endif -%}
    {%- set snapshot = api.Relation.create(database=snapshot_node.database, schema=snapshot_node.schema, identifier=snapshot_node.alias) -%}
    {{ return({'snapshot': snapshot, 'unknown_key': history_of.get('unknown_key')}) }}
{% endmacro %}


{#- The model node whose relation is `relation`, or none. -#}
{% macro _model_node_of(relation) %}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.alias == relation.identifier and node.schema == relation.schema -%}
            {{ return(node) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{% endmacro %}
