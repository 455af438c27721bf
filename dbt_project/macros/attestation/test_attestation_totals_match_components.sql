{#-
    Generic test on a scorecards model: every attested total is sum(base weight x points) / sum(base
    weight) of its included components, rounded once to one decimal (methodology 1.1, §5); the
    components' weighted points sum to that exact total (within 1e-9) and their effective weights to 1;
    a scorecard that is not attested has no total. Returns the scorecards that break it.
-#}
{% test attestation_totals_match_components(model, components) %}

    with

    summed as (

        select
            period_type,
            period_label,
            employee_code,
            sum(weighted_points) as weighted_points,
            sum(effective_weight) as effective_weight,
            sum(base_weight * points) filter (where status = 'included')
            / nullif(sum(base_weight) filter (where status = 'included'), 0) as exact_total
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
        summed.exact_total,
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
                summed.exact_total is null
                or scorecards.total_points <> round(summed.exact_total, 1)
                or abs(summed.weighted_points - summed.exact_total) > 0.000000001
                or abs(summed.effective_weight - 1) > 0.000000001
            )
        )
        or (scorecards.status <> 'attested' and scorecards.total_points is not null)

{% endtest %}
