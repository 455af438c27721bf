-- The large sources (sales, traffic) are read through their indexes, one code at a time; the small
-- ones are scanned whole, each for both kinds of code. Each source is read more than once, so it is
-- referenced in place rather than through an import CTE, which PostgreSQL would materialize
-- (a CTE read twice is computed once, as a copy without indexes).
{#- source, kind of code, the time its rows occurred, the roster that lists the code -#}
{%- set indexed_codes = [
    ('sales', 'store_code', 'sold_at', 'stores'),
    ('sales', 'employee_code', 'sold_at', 'employees'),
    ('traffic', 'store_code', 'hour_start', 'stores'),
] %}
{#- source, the time its rows occurred, whether its employee_code may be empty (the customer-facing ones) -#}
{%- set scanned_sources = [
    ('surveys', 'visited_at', true),
    ('audit_visits', 'visited_at', true),
    ('shifts', 'work_date::timestamptz', false),
    ('assignments', 'valid_from::timestamptz', false),
] %}
with stores as (
    select store_code from {{ ref('stg_stores') }}
),

employees as (
    select employee_code from {{ ref('stg_employees') }}
),

{% for source, code_type, time_column, roster in indexed_codes %}
    {{ source }}_{{ code_type }}s as (
        {{ distinct_values(ref('stg_' ~ source), code_type) }}
    ),
{% endfor %}

indexed_orphans as (
    {% for source, code_type, time_column, roster in indexed_codes %}
        select
            '{{ source }}' as source,
            '{{ code_type }}' as code_type,
            codes.value as code,
            usage.row_count,
            usage.first_seen_at,
            usage.last_seen_at
        from {{ source }}_{{ code_type }}s as codes
        cross join
            lateral (
                select
                    count(*) as row_count,
                    min({{ source }}.{{ time_column }}) as first_seen_at,
                    max({{ source }}.{{ time_column }}) as last_seen_at
                from {{ ref('stg_' ~ source) }} as {{ source }}
                where {{ source }}.{{ code_type }} = codes.value
            ) as usage
        where codes.value not in (select {{ roster }}.{{ code_type }} from {{ roster }})
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

small_sources as (
    {% for source, seen_at, employee_optional in scanned_sources %}
        {% set last_source = loop.last %}
        {% for code_type in ['store_code', 'employee_code'] %}
            select
                '{{ source }}' as source,
                '{{ code_type }}' as code_type,
                {{ code_type }} as code,
                {{ seen_at }} as seen_at
            from {{ ref('stg_' ~ source) }}
            {% if code_type == 'employee_code' and employee_optional %}where employee_code is not null{% endif %}
            {% if not (last_source and loop.last) %}union all{% endif %}
        {% endfor %}
    {% endfor %}
),

small_orphans as (
    select
        small_sources.source,
        small_sources.code_type,
        small_sources.code,
        count(*) as row_count,
        min(small_sources.seen_at) as first_seen_at,
        max(small_sources.seen_at) as last_seen_at
    from small_sources
    left join stores
        on
            small_sources.code_type = 'store_code'
            and small_sources.code = stores.store_code
    left join employees
        on
            small_sources.code_type = 'employee_code'
            and small_sources.code = employees.employee_code
    where
        stores.store_code is null
        and employees.employee_code is null
    group by small_sources.source, small_sources.code_type, small_sources.code
),

-- Appeals (ATTESTATION_METHOD.md §8) on a visit the warehouse does not know (inadmissible,
-- unknown_visit), and employee codes they name (filer, corrected employee) missing from the roster.
appeals as (
    select * from {{ ref('int_appeals_assessed') }}
),

appeal_codes as (
    select
        'visit_id' as code_type,
        visit_id as code,
        filed_at as seen_at
    from appeals
    where inadmissible_reason = 'unknown_visit'
    union all
    select
        'employee_code' as code_type,
        filed_by as code,
        filed_at as seen_at
    from appeals
    union all
    select
        'employee_code' as code_type,
        corrected_employee_code as code,
        filed_at as seen_at
    from appeals
    where corrected_employee_code is not null
),

appeal_orphans as (
    select
        'appeals' as source,
        appeal_codes.code_type,
        appeal_codes.code,
        count(*) as row_count,
        min(appeal_codes.seen_at) as first_seen_at,
        max(appeal_codes.seen_at) as last_seen_at
    from appeal_codes
    left join employees
        on
            appeal_codes.code_type = 'employee_code'
            and appeal_codes.code = employees.employee_code
    where
        appeal_codes.code_type = 'visit_id'
        or employees.employee_code is null
    group by appeal_codes.code_type, appeal_codes.code
),

final as (
    select * from indexed_orphans
    union all
    select * from small_orphans
    union all
    select * from appeal_orphans
)

select * from final
