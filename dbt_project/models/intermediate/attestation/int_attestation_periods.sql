with days_assigned as (
    select * from {{ ref('int_employee_days_assigned') }}
),

bounds as (
    select
        min(local_date) as first_date,
        max(local_date) as last_date
    from days_assigned
),

quarters as (
    select
        'quarter'::text as period_type,
        to_char(quarter_start, 'YYYY') || '-Q' || to_char(quarter_start, 'Q') as period_label,
        quarter_start::date as period_start,
        (quarter_start + interval '3 months' - interval '1 day')::date as period_end,
        to_char(quarter_start - interval '3 months', 'YYYY')
        || '-Q'
        || to_char(quarter_start - interval '3 months', 'Q') as previous_period_label,
        to_char(quarter_start, 'YYYY') as year_label
    from bounds
    cross join lateral generate_series(
        date_trunc('quarter', first_date::timestamp),
        date_trunc('quarter', last_date::timestamp),
        interval '3 months'
    ) as quarter_start
),

years as (
    select
        'year'::text as period_type,
        to_char(year_start, 'YYYY') as period_label,
        year_start::date as period_start,
        (year_start + interval '1 year' - interval '1 day')::date as period_end,
        to_char(year_start - interval '1 year', 'YYYY') as previous_period_label,
        to_char(year_start, 'YYYY') as year_label
    from bounds
    cross join lateral generate_series(
        date_trunc('year', first_date::timestamp),
        date_trunc('year', last_date::timestamp),
        interval '1 year'
    ) as year_start
),

periods as (
    select * from quarters
    union all
    select * from years
),

final as (
    select
        period_type,
        period_label,
        period_start,
        period_end,
        (period_end - period_start + 1) as days_in_period,
        previous_period_label,
        year_label,
        period_end < {{ attestation_as_of_date() }} as is_closed,
        {{ attestation_methodology_version() }} as methodology_version
    from periods
)

select * from final
