{#-
    Generic test: the combination of `columns` identifies each row (a composite primary key).
    Fails with one row per duplicated combination. Named for the attestation area so it cannot
    clash with a test of the same purpose defined elsewhere in the project.
-#}
{% test attestation_unique_key(model, columns) %}

    select
        {{ columns | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1

{% endtest %}
