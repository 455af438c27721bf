with appeals as (
    select * from {{ ref('int_appeals_assessed') }}
),

final as (
    select
        appeal_id,
        visit_id,
        question_code,
        store_code,
        visit_date as visit_local_date,
        agency,
        shopper_code,
        category,
        filed_at,
        filed_by,
        decision,
        decided_at,
        is_admissible as admissible,
        inadmissible_reason,
        outcome,
        effect,
        original_answer,
        corrected_answer,
        original_employee_code,
        corrected_employee_code,
        days_to_decision,
        decided_late,
        open_past_due
    from appeals
)

select * from final
