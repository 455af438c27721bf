{{ config(materialized='table', schema='intermediate') }}

-- Component product_knowledge, one row per (period, attestable employee): the employee's validated
-- `product_knowledge` visits whose product-knowledge questions were answered (any store, any brand),
-- the mean product-knowledge %, and that mean shrunk toward the primary store's mean product-knowledge %
-- in the period (the chain's when the store has none): (n * mean + m * prior) / (n + m).
-- Points = the shrunk mean.

{{ attestation_shrunk_visit_mean(
    component='product_knowledge',
    scenario='product_knowledge',
    value_column='product_knowledge_pct',
    store_visits='product_knowledge_visits',
    store_mean='product_knowledge_mean_pct',
) }}
