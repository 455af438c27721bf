{% set min_visits = 5 %}

with visits as (
    select * from {{ ref('int_audit_visits_scored') }}
),

appeals as (
    select * from {{ ref('int_appeals_assessed') }}
),

counted as (
    select
        visit_id,
        store_code,
        agency,
        shopper_code,
        date_trunc('quarter', visit_date)::date as quarter_start,
        visit_score_pct
    from visits
    where is_counted
),

store_quarters as (
    select
        store_code,
        quarter_start,
        count(*) as visits,
        sum(visit_score_pct) as score_sum
    from counted
    group by store_code, quarter_start
),

shopper_store_quarters as (
    select
        agency,
        shopper_code,
        store_code,
        quarter_start,
        count(*) as visits,
        sum(visit_score_pct) as score_sum
    from counted
    group by agency, shopper_code, store_code, quarter_start
),

-- Each visit against the mean score of the same store's visits by other shoppers in the quarter;
-- a visit whose store had no other shopper that quarter has no reference and no deviation.
deviations as (
    select
        counted.agency,
        counted.shopper_code,
        counted.quarter_start,
        counted.visit_id,
        counted.visit_score_pct,
        counted.visit_score_pct
        - (store_quarters.score_sum - shopper_store_quarters.score_sum)
        / nullif(store_quarters.visits - shopper_store_quarters.visits, 0) as deviation
    from counted
    inner join store_quarters
        on
            counted.store_code = store_quarters.store_code
            and counted.quarter_start = store_quarters.quarter_start
    inner join shopper_store_quarters
        on
            counted.agency = shopper_store_quarters.agency
            and counted.shopper_code = shopper_store_quarters.shopper_code
            and counted.store_code = shopper_store_quarters.store_code
            and counted.quarter_start = shopper_store_quarters.quarter_start
),

shopper_quarters as (
    select
        agency,
        shopper_code,
        quarter_start,
        count(*) as visits,
        avg(visit_score_pct) as mean_visit_score,
        avg(deviation) as mean_deviation,
        stddev_samp(deviation) / sqrt(nullif(count(deviation), 0)) as standard_error
    from deviations
    group by agency, shopper_code, quarter_start
),

appealed as (
    select
        agency,
        shopper_code,
        date_trunc('quarter', visit_date)::date as quarter_start,
        count(distinct visit_id) as appealed_visits,
        count(distinct visit_id) filter (where outcome = 'overturned') as overturned_visits
    from appeals
    where is_admissible
    group by agency, shopper_code, date_trunc('quarter', visit_date)::date
),

final as (
    select
        shopper_quarters.agency,
        shopper_quarters.shopper_code,
        shopper_quarters.quarter_start,
        shopper_quarters.visits,
        shopper_quarters.mean_visit_score,
        shopper_quarters.mean_deviation,
        shopper_quarters.standard_error,
        coalesce(appealed.appealed_visits, 0) as appealed_visits,
        coalesce(appealed.overturned_visits, 0) as overturned_visits,
        appealed.overturned_visits::numeric / nullif(appealed.appealed_visits, 0) as overturned_share,
        coalesce(abs(shopper_quarters.mean_deviation) > 2 * shopper_quarters.standard_error, false) as flagged
    from shopper_quarters
    left join appealed
        on
            shopper_quarters.agency = appealed.agency
            and shopper_quarters.shopper_code = appealed.shopper_code
            and shopper_quarters.quarter_start = appealed.quarter_start
    where shopper_quarters.visits >= {{ min_visits }}
)

select * from final
