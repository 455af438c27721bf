-- Methodology 1.1 (ATTESTATION_METHOD.md §7): a revision holds only its own period's values.
--
-- Until 1.1 the scorecards model froze values of another period into each revision (the previous
-- period's total and grade, the change, and for a year the quarters' trend), so re-attesting one quarter
-- changed the next quarter's checksum and published a revision of it with identical scores. From 1.1 the
-- model no longer carries them; the latest_scorecards view computes them when read, from the latest
-- revision of the other period. The published_scorecards columns stay: revisions published before 1.1
-- keep their frozen values readable there, and are never altered (new revisions leave them null).

drop view attestation.latest_scorecards;

create view attestation.latest_scorecards as
with latest as (
    select p.*, r.published_at, r.period_status
    from attestation.published_scorecards as p
    join attestation.latest_revisions as r using (period_type, period_label, revision)
),

labelled as (
    select
        latest.*,
        case
            when latest.period_type = 'year' then (left(latest.period_label, 4)::int - 1)::text
            when right(latest.period_label, 1) = '1' then (left(latest.period_label, 4)::int - 1)::text || '-Q4'
            else left(latest.period_label, 6) || (right(latest.period_label, 1)::int - 1)::text
        end as compared_period_label
    from latest
),

quarter_trends as (
    select
        left(period_label, 4) as year_label,
        employee_code,
        string_agg(
            period_label || ': ' || coalesce(total_points::text || ' ' || grade, 'not attested'),
            ', ' order by period_label
        ) as quarter_trend
    from latest
    where period_type = 'quarter'
    group by 1, 2
)

select
    labelled.period_type,
    labelled.period_label,
    labelled.revision,
    labelled.employee_code,
    labelled.full_name,
    labelled.store_code,
    labelled.region,
    labelled.role,
    labelled.status,
    labelled.not_attested_reason,
    labelled.total_points,
    labelled.grade,
    labelled.has_critical_failure,
    labelled.rank_in_store,
    labelled.rank_in_region,
    labelled.rank_in_chain,
    previous.total_points as previous_total_points,
    labelled.total_points - previous.total_points as total_points_change,
    labelled.explanation,
    labelled.methodology_version,
    labelled.period_start,
    labelled.period_end,
    labelled.store_format,
    labelled.assigned_days,
    labelled.included_components,
    labelled.included_individual_components,
    labelled.weighted_points_sum,
    labelled.uncapped_grade,
    labelled.grade_label,
    labelled.critical_failure_visits,
    labelled.is_grade_capped,
    labelled.attested_in_store,
    labelled.individual_observations,
    labelled.service_audit_points,
    labelled.team_result_points,
    labelled.compared_period_label as previous_period_label,
    previous.grade as previous_grade,
    case when labelled.period_type = 'year' then quarter_trends.quarter_trend end as quarter_trend,
    labelled._extra,
    labelled.published_at,
    labelled.period_status,
    previous.revision as previous_revision
from labelled
left join latest as previous
    on
        previous.period_type = labelled.period_type
        and previous.period_label = labelled.compared_period_label
        and previous.employee_code = labelled.employee_code
left join quarter_trends
    on
        labelled.period_type = 'year'
        and quarter_trends.year_label = labelled.period_label
        and quarter_trends.employee_code = labelled.employee_code;

comment on view attestation.latest_scorecards is
    'The latest revision of every published period. previous_* , total_points_change and (for a year) '
    'quarter_trend are computed when read from the latest revision of the other period (methodology 1.1, §7).';

grant select on attestation.latest_scorecards to bi_reader, transformer;
