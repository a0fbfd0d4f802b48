{#- The combination of `columns` identifies one row: no combination appears twice. -#}
{% test unique_grain(model, columns) %}
    select
        {{ columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
