{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['store_code', 'sale_date'],
        on_schema_change='fail',
        indexes=[{'columns': ['store_code', 'sale_date']}, {'columns': ['employee_code', 'sale_date']}],
        pre_hook="{{ delete_store_days_with_stale_timezone() }}",
    )
}}

{{ sales_days(by_seller=true) }}
