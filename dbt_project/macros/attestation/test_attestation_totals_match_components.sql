{#-
    Generic test on a scorecards model: every attested total is the sum of its components' weighted
    points rounded to one decimal, and the effective weights of its components sum to 1; a scorecard
    that is not attested has no total. Returns the scorecards that break it.
-#}
{% test attestation_totals_match_components(model, components) %}

    with

    summed as (

        select
            period_type,
            period_label,
            employee_code,
            sum(weighted_points) as weighted_points,
            sum(effective_weight) as effective_weight
        from {{ components }}
        group by period_type, period_label, employee_code

    )

    select
        scorecards.period_type,
        scorecards.period_label,
        scorecards.employee_code,
        scorecards.status,
        scorecards.total_points,
        summed.weighted_points,
        summed.effective_weight
    from {{ model }} as scorecards
    left join summed
        on
            scorecards.period_type = summed.period_type
            and scorecards.period_label = summed.period_label
            and scorecards.employee_code = summed.employee_code
    where
        (
            scorecards.status = 'attested'
            and (
                summed.weighted_points is null
                or scorecards.total_points <> round(summed.weighted_points, 1)
                or abs(summed.effective_weight - 1) > 0.000000001
            )
        )
        or (scorecards.status <> 'attested' and scorecards.total_points is not null)

{% endtest %}
