{% set sources = [
    'stores', 'employees', 'assignments', 'shifts', 'sales', 'traffic', 'surveys', 'audit_visits', 'audit_answers',
    'appeals',
] %}

with quarantined as (
    {% for source_table in sources %}
        select
            '{{ source_table }}' as source,
            delivery_id,
            row_number,
            column_name,
            rule,
            value,
            message
        from {{ source('quarantine', source_table) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

deliveries as (
    select
        delivery_id,
        path,
        arrived_at
    from {{ ref('stg_deliveries') }}
),

located as (
    select
        quarantined.source,
        quarantined.rule,
        coalesce(quarantined.column_name, '') as column_name,
        quarantined.row_number,
        quarantined.value,
        quarantined.message,
        deliveries.path,
        deliveries.arrived_at
    from quarantined
    inner join deliveries
        on quarantined.delivery_id = deliveries.delivery_id
),

totals as (
    select
        source,
        rule,
        column_name,
        count(*) as broken_rules,
        count(distinct row(arrived_at, path, row_number)) as rows_quarantined,
        count(distinct row(arrived_at, path)) as deliveries,
        min(value) as example_value,
        min(message) as example_message,
        min(arrived_at) as first_arrived_at,
        max(arrived_at) as last_arrived_at
    from located
    group by source, rule, column_name
),

latest_delivery as (
    select distinct on (source, rule, column_name)
        source,
        rule,
        column_name,
        path as last_path
    from located
    order by source asc, rule asc, column_name asc, arrived_at desc, path desc
),

final as (
    select
        totals.source,
        totals.rule,
        totals.column_name,
        totals.broken_rules,
        totals.rows_quarantined,
        totals.deliveries,
        totals.example_value,
        totals.example_message,
        totals.first_arrived_at,
        totals.last_arrived_at,
        latest_delivery.last_path
    from totals
    inner join latest_delivery
        on
            totals.source = latest_delivery.source
            and totals.rule = latest_delivery.rule
            and totals.column_name = latest_delivery.column_name
)

select * from final
