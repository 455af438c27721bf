{{ attestation_shrunk_visit_mean(
    component='service_audit',
    scenario='service',
    value_column='visit_score_pct',
    store_visits='service_visits',
    store_mean='service_score_mean_pct',
) }}
