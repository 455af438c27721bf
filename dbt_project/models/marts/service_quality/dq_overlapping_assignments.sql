with assignments as (
    select * from {{ ref('stg_assignments') }}
),

final as (
    select
        earlier.employee_code,
        earlier.valid_from,
        earlier.valid_to,
        earlier.store_code,
        later.valid_from as other_valid_from,
        later.valid_to as other_valid_to,
        later.store_code as other_store_code,
        later.valid_from as overlap_from,
        least(coalesce(earlier.valid_to, 'infinity'::date), coalesce(later.valid_to, 'infinity'::date))
            as overlap_to
    from assignments as earlier
    inner join assignments as later
        on
            earlier.employee_code = later.employee_code
            and earlier.valid_from < later.valid_from
            and later.valid_from <= coalesce(earlier.valid_to, 'infinity'::date)
)

select * from final
