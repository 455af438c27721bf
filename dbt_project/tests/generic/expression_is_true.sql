{#
    An invariant that holds on every row (e.g. promoters + passives + detractors = nps_n).
    Fails with the rows where it does not.
#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
{% endtest %}
