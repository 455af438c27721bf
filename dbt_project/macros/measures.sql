{#
    Ratios and intervals of ATTESTATION_METHOD.md section 1, computed from additive counts only,
    so every grain (store-day, store-month, region, chain) uses the same formulas.
    All return null when their denominator is zero.
#}

{% macro nps(promoters, detractors, nps_n) -%}
    case when {{ nps_n }} > 0
        then 100.0 * ({{ promoters }} - {{ detractors }}) / {{ nps_n }}
    end
{%- endmacro %}

{# Adjusted Wald: n' = n + 3, p' = (P + 0.75)/n', d' = (D + 0.75)/n',
   SE = sqrt((p' + d' - (p' - d')^2)/n'), interval = NPS -/+ 196 * SE. #}
{% macro nps_ci_half_width(promoters, detractors, nps_n) -%}
    case when {{ nps_n }} > 0
        then 196.0 * sqrt(
            (
                ({{ promoters }} + 0.75) / ({{ nps_n }} + 3.0)
                + ({{ detractors }} + 0.75) / ({{ nps_n }} + 3.0)
                - power(
                    ({{ promoters }} + 0.75) / ({{ nps_n }} + 3.0)
                    - ({{ detractors }} + 0.75) / ({{ nps_n }} + 3.0),
                    2
                )
            ) / ({{ nps_n }} + 3.0)
        )
    end
{%- endmacro %}

{% macro nps_ci_low(promoters, detractors, nps_n) -%}
    ({{ nps(promoters, detractors, nps_n) }} - {{ nps_ci_half_width(promoters, detractors, nps_n) }})
{%- endmacro %}

{% macro nps_ci_high(promoters, detractors, nps_n) -%}
    ({{ nps(promoters, detractors, nps_n) }} + {{ nps_ci_half_width(promoters, detractors, nps_n) }})
{%- endmacro %}

{% macro pct(numerator, denominator) -%}
    case when {{ denominator }} > 0
        then 100.0 * {{ numerator }} / {{ denominator }}
    end
{%- endmacro %}

{# Wilson score interval for a proportion x/n at 95 % (z = 1.96), in percent. #}
{#
    The Wilson interval lies in 0..100 and always contains the observed share. At 0 % and 100 % a bound
    meets the point exactly in exact arithmetic, and numeric rounding in sqrt() can miss it by 1e-18 either
    way; the outer least()/greatest() remove only that.
#}
{% macro wilson_bound(successes, n, sign) -%}
    100.0 * (
        (1.0 * {{ successes }} / {{ n }} + 1.96 ^ 2 / (2.0 * {{ n }}))
        {{ sign }} 1.96 * sqrt(
            (1.0 * {{ successes }} / {{ n }}) * (1 - 1.0 * {{ successes }} / {{ n }}) / {{ n }}
            + 1.96 ^ 2 / (4.0 * {{ n }} ^ 2)
        )
    ) / (1 + 1.96 ^ 2 / {{ n }})
{%- endmacro %}

{% macro wilson_low(successes, n) -%}
    case when {{ n }} > 0
        then least(100.0 * {{ successes }} / {{ n }}, greatest(0.0, {{ wilson_bound(successes, n, '-') }}))
    end
{%- endmacro %}

{% macro wilson_high(successes, n) -%}
    case when {{ n }} > 0
        then greatest(100.0 * {{ successes }} / {{ n }}, least(100.0, {{ wilson_bound(successes, n, '+') }}))
    end
{%- endmacro %}

{% macro safe_divide(numerator, denominator) -%}
    case when {{ denominator }} <> 0
        then 1.0 * {{ numerator }} / {{ denominator }}
    end
{%- endmacro %}

{#
    The additive counts every service-quality grain carries, summed from a finer grain (store-day
    -> store-month -> region -> chain). Re-aggregating these and then computing the ratios with
    service_quality_ratios() is the only correct roll-up.
#}
{% macro sum_service_quality_counts(prefix='') -%}
    sum({{ prefix }}responses) as responses,
    sum({{ prefix }}nps_n) as nps_n,
    sum({{ prefix }}promoters) as promoters,
    sum({{ prefix }}passives) as passives,
    sum({{ prefix }}detractors) as detractors,
    sum({{ prefix }}csat_n) as csat_n,
    sum({{ prefix }}csat_top2) as csat_top2,
    sum({{ prefix }}ces_n) as ces_n,
    sum({{ prefix }}ces_sum) as ces_sum,
    sum({{ prefix }}validated_visits) as validated_visits,
    sum({{ prefix }}visit_score_sum) as visit_score_sum,
    sum({{ prefix }}critical_failure_visits) as critical_failure_visits,
    sum({{ prefix }}transactions) as transactions,
    sum({{ prefix }}revenue) as revenue,
    sum({{ prefix }}units) as units,
    sum({{ prefix }}visitors) as visitors
{%- endmacro %}

{# The ratios of ATTESTATION_METHOD.md 1 from the counts of sum_service_quality_counts(). #}
{% macro service_quality_ratios() -%}
    {{ nps('promoters', 'detractors', 'nps_n') }} as nps,
    {{ nps_ci_low('promoters', 'detractors', 'nps_n') }} as nps_ci_low,
    {{ nps_ci_high('promoters', 'detractors', 'nps_n') }} as nps_ci_high,
    {{ pct('csat_top2', 'csat_n') }} as csat_pct,
    {{ wilson_low('csat_top2', 'csat_n') }} as csat_ci_low_pct,
    {{ wilson_high('csat_top2', 'csat_n') }} as csat_ci_high_pct,
    case when ces_n > 0 then 1.0 * ces_sum / ces_n end as ces,
    case when validated_visits > 0 then visit_score_sum / validated_visits end as mean_visit_score_pct,
    case when transactions > 0 then revenue / transactions end as average_ticket,
    case when transactions > 0 then 1.0 * units / transactions end as units_per_transaction,
    {{ pct('transactions', 'visitors') }} as conversion_pct
{%- endmacro %}
