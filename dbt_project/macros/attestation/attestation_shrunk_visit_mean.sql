{#-
    The whole model of a component scored as a shrunk mean of the employee's visits
    (ATTESTATION_METHOD.md 4: service_audit, product_knowledge), one row per (period, attestable
    employee): the employee's validated `scenario` visits with a `value_column` in the period (at any
    store), their mean, and that mean shrunk toward the primary store's mean in the period, or the
    chain's when the store has no such visit: (n * mean + m * prior) / (n + m). Points = the shrunk mean.

    The two components differ only in the scenario and the columns they read, so the rule is written
    once: `store_visits` and `store_mean` name the store's count and mean in int_attestation_store_results
    (the chain's mean is `chain_<store_mean>`), and int_attestation_parameters holds the component's
    `<component>_prior_strength` and `<component>_min_visits`.

    `details` is {"appeals": [...]} when appeals on the employee's visits of the period are to be named
    in the line (int_attestation_appeal_notes, ATTESTATION_METHOD.md §8), else null.
-#}
{% macro attestation_shrunk_visit_mean(component, scenario, value_column, store_visits, store_mean) -%}

with attestable as (
    {{ attestation_attestable() }}
),

visits as (
    select * from {{ ref('int_audit_visits_scored') }}
),

store_results as (
    select * from {{ ref('int_attestation_store_results') }}
),

parameters as (
    select * from {{ ref('int_attestation_parameters') }}
),

appeal_notes as (
    select * from {{ ref('int_attestation_appeal_notes') }}
),

scored_visits as (
    select
        employee_code,
        visit_date,
        {{ value_column }}::numeric as {{ value_column }}
    from visits
    where
        is_validated
        and scenario = '{{ scenario }}'
        and {{ value_column }} is not null
        and employee_code is not null
),

observed as (
    select
        attestable.period_type,
        attestable.period_label,
        attestable.employee_code,
        attestable.primary_store_code,
        count(scored_visits.{{ value_column }}) as n_observations,
        avg(scored_visits.{{ value_column }}) as raw_value
    from attestable
    left join scored_visits
        on
            attestable.employee_code = scored_visits.employee_code
            and scored_visits.visit_date between attestable.period_start and attestable.period_end
    group by
        attestable.period_type,
        attestable.period_label,
        attestable.employee_code,
        attestable.primary_store_code
),

with_prior as (
    select
        observed.*,
        parameters.{{ component }}_prior_strength as prior_strength,
        parameters.{{ component }}_min_visits as min_observations,
        case
            when store_results.{{ store_visits }} > 0 then store_results.{{ store_mean }}
            else store_results.chain_{{ store_mean }}
        end as prior_value,
        case when store_results.{{ store_visits }} > 0 then 'store' else 'chain' end as prior_source
    from observed
    left join store_results
        on
            observed.period_type = store_results.period_type
            and observed.period_label = store_results.period_label
            and observed.primary_store_code = store_results.store_code
    left join parameters
        on observed.period_type = parameters.period_type
),

shrunk as (
    select
        *,
        {{ attestation_shrunk('n_observations', 'raw_value', 'prior_value', 'prior_strength') }} as shrunk_value
    from with_prior
),

final as (
    select
        shrunk.period_type,
        shrunk.period_label,
        shrunk.employee_code,
        '{{ component }}'::text as component,
        n_observations::numeric as n_observations,
        min_observations,
        n_observations >= min_observations and raw_value is not null as meets_minimum,
        trim_scale(raw_value) as raw_value,
        trim_scale(prior_value) as prior_value,
        prior_source,
        prior_strength,
        trim_scale(shrunk_value) as shrunk_value,
        trim_scale(shrunk_value) as points,
        case
            when appeal_notes.appeal_notes is not null then jsonb_build_object('appeals', appeal_notes.appeal_notes)
        end as details,
        'visits'::text as observation_unit
    from shrunk
    left join appeal_notes
        on
            shrunk.period_type = appeal_notes.period_type
            and shrunk.period_label = appeal_notes.period_label
            and shrunk.employee_code = appeal_notes.employee_code
            and appeal_notes.component = '{{ component }}'
)

select * from final
{%- endmacro %}
