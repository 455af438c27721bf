{#
    Sales per store and local business date. Incremental on the store-days touched by new or
    corrected sales lines (macros/sales_days.sql, macros/affected_store_days.sql): a daily run costs
    in proportion to the new data, not the history. A touched store-day is always rebuilt whole from
    stg_sales, so corrections and returns land exactly; a day whose lines all moved away is rebuilt
    as zeros.
#}
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
