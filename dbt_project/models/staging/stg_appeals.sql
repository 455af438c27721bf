with latest as (
    {{ latest_version(source('raw', 'appeals'), ['appeal_id']) }}
),

final as (
    select
        appeal_id,
        visit_id,
        nullif(trim(question_code), '') as question_code,
        filed_at,
        filed_by,
        category,
        reason,
        nullif(lower(trim(decision)), '') as decision,
        nullif(lower(trim(corrected_answer)), '') as corrected_answer,
        nullif(trim(corrected_employee_code), '') as corrected_employee_code,
        decided_at,
        decided_by,
        _delivery_id,
        _arrived_at
    from latest
)

select * from final
