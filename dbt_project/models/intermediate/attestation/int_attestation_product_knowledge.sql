{{ attestation_shrunk_visit_mean(
    component='product_knowledge',
    scenario='product_knowledge',
    value_column='product_knowledge_pct',
    store_visits='product_knowledge_visits',
    store_mean='product_knowledge_mean_pct',
) }}
