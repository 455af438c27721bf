with attestable as (
    {{ attestation_attestable() }}
),

weights as (
    select * from {{ ref('attestation_weights') }}
),

service_audit as (
    select * from {{ ref('int_attestation_service_audit') }}
),

customer_feedback as (
    select * from {{ ref('int_attestation_customer_feedback') }}
),

product_knowledge as (
    select * from {{ ref('int_attestation_product_knowledge') }}
),

sales_productivity as (
    select * from {{ ref('int_attestation_sales_productivity') }}
),

team_result as (
    select * from {{ ref('int_attestation_team_result') }}
),

component_catalog as (
    select *
    from (
        values
        ('service_audit', 'Mystery shopping', 1, true),
        ('customer_feedback', 'Customer feedback', 2, true),
        ('product_knowledge', 'Product knowledge', 3, true),
        ('sales_productivity', 'Sales productivity', 4, true),
        ('team_result', 'Team result', 5, false)
    ) as catalog_rows (component, component_label, component_order, is_individual)
),

current_weights as (
    select
        role,
        component,
        base_weight::numeric as base_weight
    from weights
    where methodology_version::text = {{ attestation_methodology_version() }}
),

observations as (
    {% for component in ['service_audit', 'customer_feedback', 'product_knowledge',
                         'sales_productivity', 'team_result'] %}
        select
            period_type,
            period_label,
            employee_code,
            component,
            n_observations,
            min_observations,
            observation_unit,
            meets_minimum,
            raw_value,
            prior_value,
            prior_source,
            prior_strength,
            shrunk_value,
            points,
            details
        from {{ component }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

statused as (
    select
        attestable.period_type,
        attestable.period_label,
        attestable.employee_code,
        attestable.role,
        attestable.primary_store_code,
        component_catalog.component,
        component_catalog.component_label,
        component_catalog.component_order,
        component_catalog.is_individual,
        observations.min_observations,
        observations.observation_unit,
        observations.raw_value,
        observations.prior_value,
        observations.prior_source,
        observations.prior_strength,
        observations.shrunk_value,
        observations.points as computed_points,
        observations.details,
        coalesce(current_weights.base_weight, 0) as base_weight,
        case
            when coalesce(current_weights.base_weight, 0) = 0 then 'not_applicable'
            when coalesce(observations.meets_minimum, false) then 'included'
            else 'insufficient_data'
        end as status,
        coalesce(observations.n_observations, 0) as n_observations
    from attestable
    cross join component_catalog
    left join current_weights
        on
            attestable.role = current_weights.role
            and component_catalog.component = current_weights.component
    left join observations
        on
            attestable.period_type = observations.period_type
            and attestable.period_label = observations.period_label
            and attestable.employee_code = observations.employee_code
            and component_catalog.component = observations.component
),

weighted as (
    select
        *,
        case when status = 'included' then computed_points end as points,
        case
            when status = 'included'
                then
                    base_weight
                    / sum(case when status = 'included' then base_weight end) over (
                        partition by period_type, period_label, employee_code
                    )
            else 0
        end as effective_weight,
        -- The exact weighted part and the exact total, each with a single division (as the scorecard's
        -- total): Σ base × points / Σ base.
        case
            when status = 'included' and computed_points is not null
                then
                    base_weight * computed_points
                    / sum(case when status = 'included' and computed_points is not null then base_weight end)
                        over (partition by period_type, period_label, employee_code)
        end as exact_part,
        sum(case when status = 'included' and computed_points is not null then base_weight * computed_points end)
            over (partition by period_type, period_label, employee_code)
        / sum(case when status = 'included' and computed_points is not null then base_weight end)
            over (partition by period_type, period_label, employee_code) as exact_total
    from statused
),

-- ATTESTATION_METHOD.md §7, largest remainder: each part rounded down to 2 decimals; the hundredths
-- still missing to the exact total rounded half away from zero go to the largest remainders (ties: the
-- earlier component). So the printed parts add up to the printed sum. The same rule as
-- service_quality.attestation.explain.largest_remainder, which prints these lines for every locale.
floored as (
    select
        *,
        floor(exact_part * 100) / 100 as floor_part,
        row_number() over (
            partition by period_type, period_label, employee_code, exact_part is null
            order by exact_part - floor(exact_part * 100) / 100 desc, component_order
        ) as remainder_rank
    from weighted
),

printed as (
    select
        *,
        floor_part
        + case
            when
                remainder_rank
                <= round(exact_total, 2) * 100
                - sum(floor_part * 100) over (partition by period_type, period_label, employee_code)
                then 0.01
            else 0
        end as printed_part
    from floored
),

-- The explanation line as the renderer prints it for `en` (explain.explain): the count (with the
-- appeals on the counted visits, §8), the component's own measures, then points × weight = the printed
-- part, or why it is left out.
worded as (
    select
        *,
        case
            when component = 'team_result' and details is not null
                then
                    'store ' || coalesce(details ->> 'store_code', '') || ': '
                    || {{ attestation_count_en("(details ->> 'service_visits')::numeric", 'visit', 'visits') }}
                    || case
                        when (details ->> 'meets_visit_minimum')::boolean
                            then
                                ', mean '
                                || coalesce(
                                    {{ attestation_fmt("(details ->> 'service_score_mean_pct')::numeric") }}, '—'
                                )
                                || ' %'
                        when details ->> 'min_visits' is null then ' (not counted)'
                        else
                            ' (minimum '
                            || {{ attestation_fmt_trimmed("(details ->> 'min_visits')::numeric", 1) }}
                            || ', not counted)'
                    end
                    || '; '
                    || {{ attestation_count_en("(details ->> 'responses')::numeric", 'response', 'responses') }}
                    || case
                        when (details ->> 'meets_response_minimum')::boolean
                            then
                                ', '
                                || coalesce({{ attestation_fmt("(details ->> 'customer_points')::numeric") }}, '—')
                                || ' customer points'
                        when details ->> 'min_responses' is null then ' (not counted)'
                        else
                            ' (minimum '
                            || {{ attestation_fmt_trimmed("(details ->> 'min_responses')::numeric", 1) }}
                            || ', not counted)'
                    end
            when component = 'service_audit'
                then
                    {{ attestation_count_en('n_observations', 'visit', 'visits') }}
                    || {{ attestation_appeal_notes_en('details') }}
            when component = 'customer_feedback'
                then {{ attestation_count_en('n_observations', 'response', 'responses') }}
            when component = 'product_knowledge'
                then
                    {{ attestation_count_en('n_observations', 'test', 'tests') }}
                    || {{ attestation_appeal_notes_en('details') }}
            when component = 'sales_productivity'
                then {{ attestation_count_en('n_observations', 'hour', 'hours') }}
            when component = 'team_result'
                then {{ attestation_count_en('n_observations', 'store observation', 'store observations') }}
            else {{ attestation_count_en('n_observations', 'observation', 'observations') }}
        end as observed_text,
        case
            when component in ('service_audit', 'product_knowledge')
                then
                    coalesce(', mean ' || {{ attestation_fmt('raw_value') }} || ' %', '')
                    || coalesce(', adjusted ' || {{ attestation_fmt('shrunk_value') }}, '')
            when component = 'customer_feedback' and details is not null
                then
                    coalesce(', CSAT ' || {{ attestation_fmt("(details ->> 'csat_pct')::numeric") }} || ' %', '')
                    || coalesce(', NPS ' || {{ attestation_fmt("(details ->> 'nps')::numeric") }}, '')
                    || coalesce(
                        ', adjusted CSAT '
                        || {{ attestation_fmt("(details ->> 'adjusted_csat_pct')::numeric") }} || ' %',
                        ''
                    )
                    || coalesce(', adjusted NPS ' || {{ attestation_fmt("(details ->> 'adjusted_nps')::numeric") }}, '')
            when component = 'sales_productivity' and details is not null
                then
                    coalesce(', revenue ' || {{ attestation_fmt("(details ->> 'revenue')::numeric", 2) }} || ' RUB', '')
                    || coalesce(
                        ', ' || {{ attestation_fmt("(details ->> 'sales_per_hour')::numeric", 2) }}
                        || ' RUB per hour',
                        ''
                    )
                    || case
                        when details ->> 'peer_count' is not null
                            then
                                ', ' || {{ attestation_fmt("coalesce((details ->> 'peers_lower')::numeric, 0)", 0) }}
                                || ' of ' || {{ attestation_fmt("(details ->> 'peer_count')::numeric", 0) }}
                                || ' peers lower, '
                                || {{ attestation_fmt("coalesce((details ->> 'peers_equal')::numeric, 0)", 0) }}
                                || ' equal'
                        else ''
                    end
            when component = 'team_result' and details is not null then ''
            else
                coalesce(', measured ' || {{ attestation_fmt('raw_value') }}, '')
                || coalesce(', adjusted ' || {{ attestation_fmt('shrunk_value') }}, '')
        end as measures_text
    from printed
),

final as (
    select
        period_type,
        period_label,
        employee_code,
        component,
        status,
        n_observations,
        raw_value,
        shrunk_value,
        points,
        base_weight,
        trim_scale(effective_weight) as effective_weight,
        trim_scale(coalesce(effective_weight * points, 0)) as weighted_points,
        trim_scale(printed_part) as printed_weighted_points,
        role,
        primary_store_code,
        component_label,
        component_order,
        is_individual,
        min_observations,
        observation_unit,
        prior_value,
        prior_source,
        prior_strength,
        details,
        case
            when status = 'included' and points is not null
                then
                    component_label || ': ' || observed_text
                    || coalesce(' (minimum ' || {{ attestation_fmt_trimmed('min_observations', 1) }} || ')', '')
                    || measures_text
                    || ' → ' || {{ attestation_fmt('points') }} || ' pts × '
                    || {{ attestation_fmt_trimmed('effective_weight', 3) }}
                    || ' = ' || {{ attestation_fmt('printed_part', 2) }}
            when status = 'not_applicable'
                then
                    component_label || ': not applicable to the role '
                    || case
                        when
                            role in (
                                'sales_consultant', 'cashier', 'store_manager', 'service_engineer', 'receptionist',
                                'waiter'
                            )
                            then replace(role, '_', ' ')
                        else coalesce(role, '')
                    end
                    || ' (weight 0)'
            when min_observations is not null
                then
                    component_label || ': ' || observed_text || measures_text || ', below the minimum '
                    || {{ attestation_fmt_trimmed('min_observations', 1) }} || ' → not counted'
            when component = 'team_result' and details is not null
                then component_label || ': ' || observed_text || ' → not counted'
            else component_label || ': ' || observed_text || measures_text || ', too few to count → not counted'
        end as explanation_line,
        {{ attestation_methodology_version() }} as methodology_version
    from worded
)

select * from final
