with bounds as (
    select * from {{ ref('int_calendar_bounds') }}
),

days as (
    select day_series.calendar_day::date as date_day
    from bounds
    cross join lateral generate_series(
        bounds.first_date::timestamp, bounds.last_date::timestamp, interval '1 day'
    ) as day_series (calendar_day)
),

final as (
    select
        date_day,
        date_trunc('month', date_day)::date as month_start,
        to_char(date_day, 'YYYY-MM') as month_label,
        date_trunc('quarter', date_day)::date as quarter_start,
        to_char(date_day, 'YYYY') || '-Q' || extract(quarter from date_day)::integer as quarter_label,
        date_trunc('year', date_day)::date as year_start,
        extract(year from date_day)::integer as year_number,
        extract(isodow from date_day)::integer as iso_day_of_week,
        extract(isodow from date_day) in (6, 7) as is_weekend
    from days
)

select * from final
