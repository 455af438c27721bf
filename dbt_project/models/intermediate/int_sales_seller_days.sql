{#
    Sales per store, local business date and seller (employee_code; null = seller unknown).
    Incremental on the touched store-days like int_store_sales_days: the unique key is the
    store-day, so a rebuilt day replaces all of its sellers at once; a touched day left without
    any line is kept as one zero row with a null seller so the stale rows are removed.
    Use int_employee_sales_days, which keeps the known sellers only.
#}
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
