{{ config(materialized='view') }}

with seller_days as (
    select * from {{ ref('int_sales_seller_days') }}
),

final as (
    select
        employee_code,
        store_code,
        sale_date,
        revenue,
        transactions,
        units,
        sales_lines
    from seller_days
    where employee_code is not null
)

select * from final
