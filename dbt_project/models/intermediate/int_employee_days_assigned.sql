{{
    config(
        indexes=[
            {'columns': ['employee_code', 'local_date'], 'unique': True},
            {'columns': ['store_code', 'local_date']},
        ],
    )
}}

with assignments as (
    select * from {{ ref('stg_assignments') }}
),

employees as (
    select * from {{ ref('stg_employees') }}
),

stores as (
    select * from {{ ref('stg_stores') }}
),

bounds as (
    select * from {{ ref('int_calendar_bounds') }}
),

spans as (
    select
        assignments.employee_code,
        assignments.store_code,
        assignments.role,
        assignments.fte,
        assignments.valid_from as assignment_valid_from,
        greatest(assignments.valid_from, employees.hired_on) as first_day,
        least(
            coalesce(assignments.valid_to, bounds.last_date),
            coalesce(employees.terminated_on, bounds.last_date),
            bounds.last_date
        ) as last_day
    from assignments
    inner join employees
        on assignments.employee_code = employees.employee_code
    inner join stores
        on assignments.store_code = stores.store_code
    cross join bounds
),

days as (
    select
        spans.employee_code,
        day_series.local_day::date as local_date,
        spans.store_code,
        spans.role,
        spans.fte,
        spans.assignment_valid_from
    from spans
    cross join
        lateral generate_series(
            spans.first_day::timestamp, spans.last_day::timestamp, interval '1 day'
        ) as day_series (local_day)
    where spans.first_day <= spans.last_day
),

final as (
    select distinct on (employee_code, local_date)
        employee_code,
        local_date,
        store_code,
        role,
        fte,
        assignment_valid_from
    from days
    order by employee_code asc, local_date asc, assignment_valid_from desc
)

select * from final
