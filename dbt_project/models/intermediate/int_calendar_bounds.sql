{#
    The span of local dates the warehouse describes: from the first of January of the earliest
    fact or assignment to the last day of the quarter of the latest fact. The end is a quarter end
    so that ongoing assignments count every day of a closed quarter, and it comes from the data, not
    from the clock, so a rebuild gives the same rows. An attestation build (dbt var `attestation_as_of`)
    extends the end to the last quarter closed before that date: a closed period in which staff were
    assigned is attested even when no source delivered anything for it (ATTESTATION_METHOD.md §3).
#}
{{ config(materialized='table') }}

with sales_span as (
    select
        min(sold_at)::date - 1 as first_date,
        max(sold_at)::date + 1 as last_date
    from {{ ref('stg_sales') }}
),

traffic_span as (
    select
        min(hour_start)::date - 1 as first_date,
        max(hour_start)::date + 1 as last_date
    from {{ ref('stg_traffic') }}
),

shift_span as (
    select
        min(work_date) as first_date,
        max(work_date) as last_date
    from {{ ref('stg_shifts') }}
),

survey_span as (
    select
        min(response_date) as first_date,
        max(response_date) as last_date
    from {{ ref('stg_surveys') }}
),

visit_span as (
    select
        min(visit_date) as first_date,
        max(visit_date) as last_date
    from {{ ref('stg_audit_visits') }}
),

assignment_span as (
    select min(valid_from) as first_date
    from {{ ref('stg_assignments') }}
),

combined as (
    select
        least(
            sales_span.first_date,
            traffic_span.first_date,
            shift_span.first_date,
            survey_span.first_date,
            visit_span.first_date,
            assignment_span.first_date
        ) as first_fact_date,
        greatest(
            sales_span.last_date,
            traffic_span.last_date,
            shift_span.last_date,
            survey_span.last_date,
            visit_span.last_date
        ) as last_fact_date
    from sales_span
    cross join traffic_span
    cross join shift_span
    cross join survey_span
    cross join visit_span
    cross join assignment_span
),

final as (
    select
        date_trunc('year', first_fact_date)::date as first_date,
        greatest(
            (date_trunc('quarter', last_fact_date) + interval '3 months' - interval '1 day')::date
            {%- if var('attestation_as_of', none) %},
            (date_trunc('quarter', '{{ var("attestation_as_of") }}'::date) - interval '1 day')::date
            {%- endif %}
        ) as last_date
    from combined
)

select * from final
