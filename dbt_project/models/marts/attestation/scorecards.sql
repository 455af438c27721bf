with eligibility as (
    select * from {{ ref('int_attestation_eligibility') }}
),

components as (
    select * from {{ ref('components') }}
),

visits as (
    select * from {{ ref('int_audit_visits_scored') }}
),

grade_bands as (
    select * from {{ ref('grade_bands') }}
),

current_bands as (
    select
        grade,
        grade_label,
        min_total_points::numeric as min_total_points,
        sort_order,
        is_critical_failure_cap
    from grade_bands
    where methodology_version::text = {{ attestation_methodology_version() }}
),

cap_band as (
    select
        grade as cap_grade,
        sort_order as cap_sort_order
    from current_bands
    where is_critical_failure_cap
),

critical_failures as (
    select
        eligibility.period_type,
        eligibility.period_label,
        eligibility.employee_code,
        count(*) as critical_failure_visits
    from eligibility
    inner join visits
        on
            eligibility.employee_code = visits.employee_code
            and visits.visit_date between eligibility.period_start and eligibility.period_end
    where visits.is_validated and visits.has_critical_failure
    group by eligibility.period_type, eligibility.period_label, eligibility.employee_code
),

component_summary as (
    select
        period_type,
        period_label,
        employee_code,
        count(*) filter (where status = 'included') as included_components,
        count(*) filter (where status = 'included' and is_individual) as included_individual_components,
        -- The exact total: sum(base x points) / sum(base), never the sum of effective weight x points
        -- (0.25 / 0.75 is already rounded, and 84.95 could come out as 84.9499...).
        trim_scale(
            sum(base_weight * points) filter (where status = 'included')
            / nullif(sum(base_weight) filter (where status = 'included'), 0)
        ) as weighted_points_sum,
        sum(n_observations) filter (
            where component in ('service_audit', 'customer_feedback', 'product_knowledge')
        ) as individual_observations,
        max(points) filter (where component = 'service_audit') as service_audit_points,
        max(points) filter (where component = 'team_result') as team_result_points,
        string_agg(explanation_line, E'\n' order by component_order) as component_lines,
        string_agg(
            case when status = 'included' then {{ attestation_fmt('printed_weighted_points', 2) }} end,
            ' + ' order by component_order
        ) as weighted_points_text
    from components
    group by period_type, period_label, employee_code
),

statused as (
    select
        eligibility.period_type,
        eligibility.period_label,
        eligibility.period_start,
        eligibility.period_end,
        eligibility.employee_code,
        eligibility.full_name,
        eligibility.primary_store_code as store_code,
        eligibility.region,
        eligibility.store_format,
        eligibility.role,
        eligibility.assigned_days,
        eligibility.min_assigned_days,
        component_summary.weighted_points_sum,
        component_summary.service_audit_points,
        component_summary.team_result_points,
        component_summary.component_lines,
        component_summary.weighted_points_text,
        coalesce(component_summary.included_components, 0) as included_components,
        coalesce(component_summary.included_individual_components, 0) as included_individual_components,
        coalesce(component_summary.individual_observations, 0) as individual_observations,
        coalesce(critical_failures.critical_failure_visits, 0) as critical_failure_visits,
        coalesce(critical_failures.critical_failure_visits, 0) > 0 as has_critical_failure,
        case
            when eligibility.is_short_tenure then 'short_tenure'
            when
                coalesce(component_summary.included_components, 0) < 2
                or coalesce(component_summary.included_individual_components, 0) < 1
                then 'insufficient_data'
        end as not_attested_reason
    from eligibility
    left join component_summary
        on
            eligibility.period_type = component_summary.period_type
            and eligibility.period_label = component_summary.period_label
            and eligibility.employee_code = component_summary.employee_code
    left join critical_failures
        on
            eligibility.period_type = critical_failures.period_type
            and eligibility.period_label = critical_failures.period_label
            and eligibility.employee_code = critical_failures.employee_code
),

totalled as (
    select
        *,
        case when not_attested_reason is null then 'attested' else 'not_attested' end as status,
        case
            when not_attested_reason is null then round(weighted_points_sum::numeric, 1)
        end as total_points
    from statused
),

graded as (
    select
        totalled.*,
        band.grade as uncapped_grade,
        band.sort_order as uncapped_sort_order
    from totalled
    left join lateral (
        select
            current_bands.grade,
            current_bands.sort_order
        from current_bands
        where totalled.total_points >= current_bands.min_total_points
        order by current_bands.min_total_points desc
        limit 1
    ) as band on true
),

capped as (
    select
        graded.*,
        case
            when
                graded.has_critical_failure
                and graded.uncapped_sort_order < cap_band.cap_sort_order
                then cap_band.cap_grade
            else graded.uncapped_grade
        end as grade,
        coalesce(
            graded.has_critical_failure and graded.uncapped_sort_order < cap_band.cap_sort_order,
            false
        ) as is_grade_capped
    from graded
    left join cap_band on true
),

attested_ranks as (
    select
        period_type,
        period_label,
        employee_code,
        rank() over (
            partition by period_type, period_label, store_code order by total_points desc
        ) as rank_in_store,
        rank() over (
            partition by period_type, period_label, region order by total_points desc
        ) as rank_in_region,
        rank() over (
            partition by period_type, period_label order by total_points desc
        ) as rank_in_chain,
        count(*) over (partition by period_type, period_label, store_code) as attested_in_store
    from capped
    where status = 'attested'
),

ranked as (
    select
        capped.*,
        attested_ranks.rank_in_store,
        attested_ranks.rank_in_region,
        attested_ranks.rank_in_chain,
        coalesce(max(attested_ranks.attested_in_store) over (
            partition by capped.period_type, capped.period_label, capped.store_code
        ), 0) as attested_in_store
    from capped
    left join attested_ranks
        on
            capped.period_type = attested_ranks.period_type
            and capped.period_label = attested_ranks.period_label
            and capped.employee_code = attested_ranks.employee_code
),

explained as (
    select
        ranked.*,
        case
            when ranked.not_attested_reason = 'short_tenure'
                then
                    'Not attested: ' || {{ attestation_fmt('ranked.assigned_days', 0) }}
                    || case when ranked.assigned_days = 1 then ' assigned day' else ' assigned days' end
                    || ', fewer than the minimum of ' || {{ attestation_fmt('ranked.min_assigned_days', 0) }} || '.'
            else
                coalesce(ranked.component_lines || E'\n', '')
                || case
                    when ranked.status = 'attested'
                        then
                            'Total: ' || ranked.weighted_points_text
                            || ' = ' || {{ attestation_fmt('ranked.weighted_points_sum', 2) }}
                            || ' → ' || {{ attestation_fmt('ranked.total_points', 1) }}
                            || ' → grade ' || ranked.uncapped_grade
                            || case
                                when ranked.is_grade_capped
                                    then
                                        E'\nCritical failure in a validated visit: grade capped at '
                                        || ranked.grade || ', not eligible for awards.'
                                when ranked.has_critical_failure
                                    then E'\nCritical failure in a validated visit: not eligible for awards.'
                                else ''
                            end
                    else
                        'Not attested: ' || ranked.included_components
                        || ' component(s) included, of them '
                        || ranked.included_individual_components
                        || ' individual; at least 2, one of them individual, are needed.'
                end
        end as explanation
    from ranked
),

final as (
    select
        explained.period_type,
        explained.period_label,
        explained.period_start,
        explained.period_end,
        explained.employee_code,
        explained.full_name,
        explained.store_code,
        explained.region,
        explained.store_format,
        explained.role,
        explained.status,
        explained.not_attested_reason,
        explained.assigned_days,
        explained.min_assigned_days,
        explained.included_components,
        explained.included_individual_components,
        explained.weighted_points_sum,
        explained.total_points,
        explained.uncapped_grade,
        explained.grade,
        current_bands.grade_label,
        explained.has_critical_failure,
        explained.critical_failure_visits,
        explained.is_grade_capped,
        explained.rank_in_store,
        explained.rank_in_region,
        explained.rank_in_chain,
        explained.attested_in_store,
        explained.individual_observations,
        explained.service_audit_points,
        explained.team_result_points,
        explained.explanation,
        {{ attestation_methodology_version() }} as methodology_version
    from explained
    left join current_bands
        on explained.grade = current_bands.grade
)

select * from final
