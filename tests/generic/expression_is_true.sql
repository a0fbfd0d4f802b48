{#- Every row satisfies the SQL predicate `expression`; failing rows are returned. -#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
{% endtest %}
