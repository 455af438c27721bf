{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['store_code', 'sale_date'],
        on_schema_change='fail',
        indexes=[{'columns': ['store_code', 'sale_date'], 'unique': True}],
        pre_hook="{{ delete_store_days_with_stale_timezone() }}",
    )
}}

{{ sales_days() }}
