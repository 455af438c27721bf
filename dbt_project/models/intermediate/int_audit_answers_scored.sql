-- Analyzed once built: without statistics the marts that join it with the visits in the same run
-- are planned as nested loops over every answer and visit.
{{ config(post_hook='analyze {{ this }}') }}

with answers as (
    select * from {{ ref('stg_audit_answers') }}
),

visits as (
    select * from {{ ref('stg_audit_visits') }}
),

checklist as (
    select * from {{ ref('audit_checklist') }}
),

appeals as (
    select * from {{ ref('int_appeals_assessed') }}
),

-- ATTESTATION_METHOD.md §8: an overturned answer appeal replaces the answer with its corrected answer
-- (or supplies it when none was delivered); every other appeal changes nothing.
corrections as (
    select
        visit_id,
        question_code,
        corrected_answer
    from appeals
    where effect = 'corrected_answer'
),

answers_after_appeals as (
    select
        coalesce(answers.visit_id, corrections.visit_id) as visit_id,
        coalesce(answers.question_code, corrections.question_code) as question_code,
        coalesce(corrections.corrected_answer, answers.answer) as answer,
        answers.answer as delivered_answer,
        corrections.visit_id is not null as is_corrected_by_appeal
    from answers
    full outer join corrections
        on
            answers.visit_id = corrections.visit_id
            and answers.question_code = corrections.question_code
),

matched as (
    select
        answers_after_appeals.visit_id,
        answers_after_appeals.question_code,
        checklist.section_code,
        checklist.answer_type,
        checklist.points,
        checklist.is_critical,
        answers_after_appeals.answer,
        answers_after_appeals.delivered_answer,
        answers_after_appeals.is_corrected_by_appeal,
        case
            when checklist.answer_type = 'yes_no' and answers_after_appeals.answer in ('yes', 'no') then true
            when
                checklist.answer_type = 'scale_0_5'
                and answers_after_appeals.answer in ('0', '1', '2', '3', '4', '5')
                then true
            else false
        end as is_answered
    from answers_after_appeals
    inner join visits
        on answers_after_appeals.visit_id = visits.visit_id
    inner join checklist
        on
            visits.checklist_version = checklist.checklist_version
            and answers_after_appeals.question_code = checklist.question_code
),

final as (
    select
        visit_id,
        question_code,
        section_code,
        answer_type,
        answer,
        delivered_answer,
        is_corrected_by_appeal,
        is_critical,
        is_answered,
        case
            when not is_answered then 0
            when answer_type = 'yes_no' and answer = 'yes' then points
            when answer_type = 'yes_no' then 0
            else points * answer::integer / 5.0
        end as earned_points,
        case when is_answered then points else 0 end as possible_points,
        is_critical and answer = 'no' as is_critical_failure,
        case
            when not is_answered then null
            when answer_type = 'yes_no' then answer = 'yes'
            else answer::integer >= 4
        end as is_behaviour_observed
    from matched
)

select * from final
