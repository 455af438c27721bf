with assignments as (
    select * from {{ ref('stg_assignments') }}
),

employees as (
    select * from {{ ref('stg_employees') }}
),

stores as (
    select * from {{ ref('stg_stores') }}
),

overlap_pairs as (
    select * from {{ ref('dq_overlapping_assignments') }}
),

overlapping as (
    select
        employee_code,
        valid_from
    from overlap_pairs
    union
    select
        employee_code,
        other_valid_from
    from overlap_pairs
),

final as (
    select
        assignments.employee_code,
        assignments.valid_from,
        assignments.valid_to,
        assignments.store_code,
        assignments.role,
        assignments.fte,
        employees.employee_code is not null as is_employee_known,
        stores.store_code is not null as is_store_known,
        overlapping.employee_code is not null as is_overlapping
    from assignments
    left join employees
        on assignments.employee_code = employees.employee_code
    left join stores
        on assignments.store_code = stores.store_code
    left join overlapping
        on
            assignments.employee_code = overlapping.employee_code
            and assignments.valid_from = overlapping.valid_from
)

select * from final
