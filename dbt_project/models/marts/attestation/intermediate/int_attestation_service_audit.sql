{{ config(materialized='table', schema='intermediate') }}

-- Component service_audit, one row per (period, attestable employee): the employee's validated
-- `service` visits with a score in the period (at any store), their mean visit score, and that mean
-- shrunk toward the primary store's mean visit score in the period (the chain's when the store has
-- no scored visit): (n * mean + m * prior) / (n + m). Points = the shrunk mean.

{{ attestation_shrunk_visit_mean(
    component='service_audit',
    scenario='service',
    value_column='visit_score_pct',
    store_visits='service_visits',
    store_mean='service_score_mean_pct',
) }}
