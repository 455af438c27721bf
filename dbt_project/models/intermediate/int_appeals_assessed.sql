-- Analyzed once built: the audit models join it with the answers and visits in the same run.
{{ config(post_hook='analyze {{ this }}') }}

with appeals as (
    select * from {{ ref('stg_appeals') }}
),

visits as (
    select * from {{ ref('stg_audit_visits') }}
),

attributed as (
    select * from {{ ref('int_audit_visits_attributed') }}
),

answers as (
    select * from {{ ref('stg_audit_answers') }}
),

checklist as (
    select * from {{ ref('audit_checklist') }}
),

stores as (
    select * from {{ ref('stg_stores') }}
),

employees as (
    select * from {{ ref('stg_employees') }}
),

assignments as (
    select * from {{ ref('stg_assignments') }}
),

deliveries as (
    select * from {{ ref('stg_deliveries') }}
),

thresholds as (
    select * from {{ ref('attestation_thresholds') }}
),

-- The appeal parameters of the methodology version being computed. Appeals are not per period: the
-- quarter rows are read (the year rows hold the same values). A version without them (before 1.1)
-- has no appeals: every appeal is listed, none changes anything.
parameters as (
    select
        max(value) filter (where parameter = 'appeal_window_days') as appeal_window_days,
        max(value) filter (where parameter = 'appeal_decision_days') as appeal_decision_days
    from thresholds
    where
        methodology_version::text = {{ attestation_methodology_version() }}
        and period_type = 'quarter'
),

-- "Now" for the decision deadline is the latest delivery arrival in the warehouse, never the clock,
-- so a replay of the same deliveries gives the same marts.
latest_arrival as (
    select max(arrived_at) as latest_arrival_at
    from deliveries
),

-- The arrival of the first delivery that loaded each appealed visit (any version of it).
first_arrivals as (
    select
        versions.visit_id,
        min(versions._arrived_at) as first_arrived_at
    from {{ source('raw', 'audit_visits') }} as versions
    where versions.visit_id in (select appealed.visit_id from appeals as appealed)
    group by versions.visit_id
),

located as (
    select
        appeals.appeal_id,
        appeals.visit_id,
        appeals.question_code,
        appeals.category,
        appeals.filed_at,
        appeals.filed_by,
        appeals.decision,
        appeals.corrected_answer,
        appeals.corrected_employee_code,
        appeals.decided_at,
        appeals.decided_by,
        visits.visit_id is not null as is_visit_known,
        coalesce(visits.is_validated, false) as is_visit_validated,
        visits.store_code,
        visits.visit_date,
        visits.agency,
        visits.shopper_code,
        visits.scenario,
        visits.checklist_version,
        stores.timezone,
        {{ local_date('appeals.filed_at', 'stores.timezone') }} as filed_date,
        attributed.employee_code as original_employee_code,
        checklist.question_code is not null as is_question_known,
        checklist.answer_type,
        checklist.is_critical,
        answers.answer as original_answer,
        first_arrivals.first_arrived_at
    from appeals
    left join visits
        on appeals.visit_id = visits.visit_id
    left join stores
        on visits.store_code = stores.store_code
    left join attributed
        on appeals.visit_id = attributed.visit_id
    left join checklist
        on
            visits.checklist_version = checklist.checklist_version
            and appeals.question_code = checklist.question_code
    left join answers
        on
            appeals.visit_id = answers.visit_id
            and appeals.question_code = answers.question_code
    left join first_arrivals
        on appeals.visit_id = first_arrivals.visit_id
),

-- Store managers of the visit's store on the local date of filing: the filer's assignment in force
-- that day (the later valid_from when assignments overlap, as in int_employee_days_assigned), within
-- their employment.
filed_by_manager as (
    select located.appeal_id
    from located
    inner join employees
        on located.filed_by = employees.employee_code
    cross join
        lateral (
            select
                in_force.store_code,
                in_force.role
            from assignments as in_force
            where
                in_force.employee_code = located.filed_by
                and in_force.valid_from <= located.filed_date
                and (in_force.valid_to is null or in_force.valid_to >= located.filed_date)
            order by in_force.valid_from desc
            limit 1
        ) as assignment
    where
        assignment.store_code = located.store_code
        and assignment.role = 'store_manager'
        and employees.hired_on <= located.filed_date
        and (employees.terminated_on is null or employees.terminated_on >= located.filed_date)
),

-- §8 reasons 1-6, the first that holds.
screened as (
    select
        located.*,
        parameters.appeal_window_days,
        parameters.appeal_decision_days,
        latest_arrival.latest_arrival_at,
        case
            when not located.is_visit_known then 'unknown_visit'
            when not located.is_visit_validated then 'visit_not_validated'
            when located.question_code is not null and not located.is_question_known then 'unknown_question'
            when
                located.question_code is not null
                and (
                    located.category = 'wrong_employee'
                    or (
                        located.decision = 'overturned'
                        and not coalesce(
                            located.corrected_answer = 'na'
                            or (located.answer_type = 'yes_no' and located.corrected_answer in ('yes', 'no'))
                            or (
                                located.answer_type = 'scale_0_5'
                                and located.corrected_answer in ('0', '1', '2', '3', '4', '5')
                            ),
                            false
                        )
                    )
                )
                then 'invalid_correction'
            when
                located.filed_at
                > located.first_arrived_at + parameters.appeal_window_days::float8 * interval '24 hours'
                then 'late'
            when
                located.original_employee_code is null or located.filed_by != located.original_employee_code
                then
                    case when filed_by_manager.appeal_id is null then 'not_entitled' end
        end as screening_reason
    from located
    cross join parameters
    cross join latest_arrival
    left join filed_by_manager
        on located.appeal_id = filed_by_manager.appeal_id
),

-- §8 reason 7: of the appeals on one (visit, question) that pass 1-6, the earliest filed stands
-- (ties: the smaller appeal_id); null question_code = the whole visit.
ranked as (
    select
        *,
        case
            when screening_reason is null
                then
                    row_number() over (
                        partition by visit_id, question_code, screening_reason is null
                        order by filed_at, appeal_id
                    )
        end as filing_rank
    from screened
),

decided as (
    select
        *,
        coalesce(screening_reason, case when filing_rank > 1 then 'duplicate' end) as inadmissible_reason,
        case
            when screening_reason is not null or filing_rank > 1 then 'inadmissible'
            when decision is null then 'open'
            else decision
        end as outcome
    from ranked
),

proposed as (
    select
        *,
        case
            when appeal_window_days is null or outcome != 'overturned' then 'none'
            when question_code is not null then 'corrected_answer'
            when category = 'wrong_employee' then 'reattributed'
            else 'rejected'
        end as proposed_effect
    from decided
),

-- A rejection wins over a re-attribution and over corrected answers of the same visit; corrected
-- answers and a re-attribution combine.
effective as (
    select
        *,
        case
            when
                proposed_effect in ('corrected_answer', 'reattributed')
                and bool_or(proposed_effect = 'rejected') over (partition by visit_id)
                then 'none'
            else proposed_effect
        end as effect
    from proposed
),

final as (
    select
        effective.appeal_id,
        effective.visit_id,
        effective.question_code,
        effective.store_code,
        effective.visit_date,
        effective.agency,
        effective.shopper_code,
        effective.scenario,
        effective.category,
        effective.filed_at,
        effective.filed_by,
        effective.filed_date,
        effective.decision,
        effective.decided_at,
        effective.decided_by,
        effective.first_arrived_at,
        effective.inadmissible_reason is null as is_admissible,
        effective.inadmissible_reason,
        effective.outcome,
        effective.effect,
        effective.answer_type,
        coalesce(effective.is_critical, false) as is_critical,
        effective.original_answer,
        case when effective.question_code is not null then effective.corrected_answer end as corrected_answer,
        effective.original_employee_code,
        effective.corrected_employee_code,
        case
            when effective.effect = 'reattributed' then employees.employee_code
        end as reattributed_employee_code,
        round(extract(epoch from effective.decided_at - effective.filed_at) / 86400, 2) as days_to_decision,
        case
            when effective.decided_at is not null
                then
                    effective.decided_at
                    > effective.filed_at + effective.appeal_decision_days::float8 * interval '24 hours'
        end as decided_late,
        coalesce(
            effective.outcome = 'open'
            and effective.latest_arrival_at
            > effective.filed_at + effective.appeal_decision_days::float8 * interval '24 hours',
            false
        ) as open_past_due,
        effective.appeal_window_days,
        effective.appeal_decision_days,
        effective.latest_arrival_at
    from effective
    left join employees
        on effective.corrected_employee_code = employees.employee_code
)

select * from final
