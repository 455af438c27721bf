with employees as (
    select * from {{ ref('stg_employees') }}
),

assignments as (
    select * from {{ ref('dim_employee_assignments') }}
),

latest_assignment as (
    select distinct on (employee_code)
        employee_code,
        store_code,
        role
    from assignments
    order by employee_code asc, valid_from desc
),

final as (
    select
        employees.employee_code,
        employees.full_name,
        employees.badge_name,
        employees.hired_on,
        employees.terminated_on,
        employees.is_customer_facing,
        latest_assignment.store_code as latest_store_code,
        latest_assignment.role as latest_role
    from employees
    left join latest_assignment
        on employees.employee_code = latest_assignment.employee_code
)

select * from final
