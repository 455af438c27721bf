{#
    The combination of `combination_of_columns` identifies one row (a composite primary key).
    Fails with every duplicated combination and how often it occurs.
#}
{% test unique_combination(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
