-- Quarantined rows per source, broken rule and column, from quarantine.*: what was rejected at
-- ingestion and why, with an example value and message.
{% set sources = [
    'stores', 'employees', 'assignments', 'shifts', 'sales', 'traffic', 'surveys', 'audit_visits', 'audit_answers',
] %}

with quarantined as (
    {% for source_table in sources %}
        select
            '{{ source_table }}' as source,
            delivery_id,
            delivery_id::text || '/' || row_number::text as row_key,
            column_name,
            rule,
            value,
            message,
            quarantined_at
        from {{ source('quarantine', source_table) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        source,
        rule,
        coalesce(column_name, '') as column_name,
        count(*) as broken_rules,
        count(distinct row_key) as rows_quarantined,
        count(distinct delivery_id) as deliveries,
        min(value) as example_value,
        min(message) as example_message,
        max(quarantined_at) as last_quarantined_at
    from quarantined
    group by source, rule, coalesce(column_name, '')
)

select * from final
