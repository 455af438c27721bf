with attestable as (
    {{ attestation_attestable() }}
),

appeals as (
    select * from {{ ref('int_appeals_assessed') }}
),

visits as (
    select * from {{ ref('int_audit_visits_scored') }}
),

-- ATTESTATION_METHOD.md §8: the line of the component a visit counts for names each admissible appeal
-- on it and its outcome. An appeal is noted for the employee the visit was attributed to before the
-- appeals and for the one it is attributed to after them (the two differ only after a re-attribution:
-- the visit moved "to" the new employee on the first line, "from" the old one on the second).
appealed_visits as (
    select
        appeals.appeal_id,
        appeals.visit_id,
        appeals.question_code,
        appeals.outcome,
        appeals.effect,
        appeals.original_answer,
        appeals.corrected_answer,
        appeals.original_employee_code,
        visits.employee_code as final_employee_code,
        visits.visit_date,
        case visits.scenario
            when 'service' then 'service_audit'
            when 'product_knowledge' then 'product_knowledge'
        end as component
    from appeals
    inner join visits
        on appeals.visit_id = visits.visit_id
    where
        appeals.is_admissible
        -- A methodology version without appeal parameters (before 1.1) has no appeals: no note either.
        and appeals.appeal_window_days is not null
),

-- Each appeal once for the employee before the appeals and once for the one after (once when the same).
noted_employees as (
    select
        appealed_visits.*,
        appealed_visits.original_employee_code as employee_code
    from appealed_visits
    where appealed_visits.original_employee_code is not null
    union
    select
        appealed_visits.*,
        appealed_visits.final_employee_code as employee_code
    from appealed_visits
    where appealed_visits.final_employee_code is not null
),

notes as (
    select
        attestable.period_type,
        attestable.period_label,
        noted_employees.employee_code,
        noted_employees.component,
        jsonb_agg(
            jsonb_build_object(
                'visit_id', noted_employees.visit_id,
                'question_code', noted_employees.question_code,
                'outcome', noted_employees.outcome,
                'effect', noted_employees.effect,
                'from_answer',
                case when noted_employees.effect = 'corrected_answer' then noted_employees.original_answer end,
                'to_answer',
                case when noted_employees.effect = 'corrected_answer' then noted_employees.corrected_answer end,
                'moved',
                case
                    when
                        noted_employees.effect != 'reattributed'
                        or noted_employees.original_employee_code
                        is not distinct from noted_employees.final_employee_code
                        then null
                    when noted_employees.employee_code = noted_employees.original_employee_code then 'to'
                    else 'from'
                end,
                'other_employee_code',
                case
                    when
                        noted_employees.effect != 'reattributed'
                        or noted_employees.original_employee_code
                        is not distinct from noted_employees.final_employee_code
                        then null
                    when noted_employees.employee_code = noted_employees.original_employee_code
                        then noted_employees.final_employee_code
                    else noted_employees.original_employee_code
                end
            )
            order by noted_employees.visit_id, noted_employees.question_code nulls first, noted_employees.appeal_id
        ) as appeal_notes
    from noted_employees
    inner join attestable
        on
            noted_employees.employee_code = attestable.employee_code
            and noted_employees.visit_date between attestable.period_start and attestable.period_end
    where noted_employees.component is not null
    group by
        attestable.period_type,
        attestable.period_label,
        noted_employees.employee_code,
        noted_employees.component
),

final as (
    select * from notes
)

select * from final
