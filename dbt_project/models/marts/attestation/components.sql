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
            observation_text
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
        observations.observation_text,
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
        end as effective_weight
    from statused
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
        case status
            when 'included'
                then
                    component_label || ': ' || observation_text
                    || ' → ' || {{ attestation_fmt('points') }} || ' pts × '
                    || trim_scale(round(effective_weight, 3))::text
                    || ' = ' || {{ attestation_fmt('effective_weight * points') }}
            when 'not_applicable'
                then component_label || ': not applicable to the role ' || role || ' (weight 0)'
            else
                component_label || ': ' || observation_text
                || case
                    when min_observations is not null
                        then
                            '; below the minimum of ' || {{ attestation_fmt('min_observations', 0) }}
                            || ' ' || observation_unit
                    else '; neither half meets its minimum'
                end
                || ' → not counted'
        end as explanation_line,
        {{ attestation_methodology_version() }} as methodology_version
    from weighted
)

select * from final
