{#-
    The landing sources of the upstream contract, sorted. Models loop over
    them at parse time, so this is a constant; each has a table in the
    `landing` source YAML.
-#}
{% macro landing_source_names() %}
    {{ return(['assignments', 'bookings', 'events', 'listings', 'users']) }}
{% endmacro %}
