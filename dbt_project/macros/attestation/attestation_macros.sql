{#-
    Small helpers shared by the attestation models, so each rule of the method is written once.
-#}

{% macro attestation_as_of_date() -%}
    {#- The date a period must have ended before to be closed: dbt var `attestation_as_of`
        (YYYY-MM-DD) when given, so reruns are reproducible, else today. -#}
    {%- if var("attestation_as_of", none) -%}
        '{{ var("attestation_as_of") }}'::date
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}


{% macro attestation_attestable() -%}
    {#- The rows every component starts from: the period's employees of int_attestation_eligibility
        except those below the tenure minimum, who get no component (only a short_tenure scorecard). -#}
    select *
    from {{ ref('int_attestation_eligibility') }}
    where not is_short_tenure
{%- endmacro %}


{% macro attestation_customer_points(csat_pct, nps) -%}
    {#- Customer points from a CSAT % and an NPS: 0.5 x CSAT % + 0.5 x (NPS + 100) / 2;
        when one of them is missing (no answers), the other alone. -#}
    case
        when ({{ csat_pct }}) is not null and ({{ nps }}) is not null
            then 0.5 * ({{ csat_pct }}) + 0.5 * (({{ nps }}) + 100) / 2
        when ({{ csat_pct }}) is not null then ({{ csat_pct }})
        when ({{ nps }}) is not null then (({{ nps }}) + 100) / 2
    end
{%- endmacro %}


{% macro attestation_shrunk(n, mean, prior_mean, prior_strength) -%}
    {#- Shrinkage toward the prior: (n * mean + m * prior) / (n + m); the prior alone when n = 0. -#}
    (
        (coalesce(({{ n }}) * ({{ mean }}), 0) + ({{ prior_strength }}) * ({{ prior_mean }}))
        / nullif(({{ n }}) + ({{ prior_strength }}), 0)
    )
{%- endmacro %}


{% macro attestation_fmt(value, digits=1) -%}
    {#- A number as the explanation renderer prints it for `en` (service_quality.attestation.i18n.fmt):
        rounded half away from zero to `digits` decimals, trailing zeros kept, thousands grouped with
        commas (1,234.5). Null stays null, so `', x ' || attestation_fmt(...)` drops a missing piece. -#}
    regexp_replace(round(({{ value }})::numeric, {{ digits }})::text, '(\d)(?=(\d{3})+(?!\d))', '\1,', 'g')
{%- endmacro %}


{% macro attestation_fmt_trimmed(value, max_digits) -%}
    {#- As attestation_fmt, at most `max_digits` decimals and trailing zeros dropped (0.25, 0.333, 10). -#}
    regexp_replace(
        trim_scale(round(({{ value }})::numeric, {{ max_digits }}))::text, '(\d)(?=(\d{3})+(?!\d))', '\1,', 'g'
    )
{%- endmacro %}


{% macro attestation_count_en(n, singular, plural) -%}
    {#- "4 visits", "1 visit", "12.5 hours": a whole count without decimals, else with one. -#}
    (
        case
            when ({{ n }}) = trunc({{ n }}) then {{ attestation_fmt(n, 0) }}
            else {{ attestation_fmt(n, 1) }}
        end
        || case when ({{ n }}) = 1 then ' {{ singular }}' else ' {{ plural }}' end
    )
{%- endmacro %}


{% macro attestation_detail(value) -%}
    {#- A measure for the components' `details` (jsonb): at most 6 decimals, so it reads back the same
        through JSON (a float there) as the number the explanation line printed from it. -#}
    trim_scale(round(({{ value }})::numeric, 6))
{%- endmacro %}


{% macro attestation_appeal_notes_en(details) -%}
    {#- The appeals named in a component line (ATTESTATION_METHOD.md §8) as the renderer prints them
        for `en` (service_quality.attestation.explain.appeal_notes): ` (note; note)` after the count, or ''
        when the component's `details` hold no appeal. One note per appeal, in the order of
        details -> 'appeals': `appeal pending on V7/Q3`, `appeal on V1/Q12: upheld`,
        `appeal on V1/Q12: overturned, no → yes`, `appeal on V2: overturned, visit rejected`,
        `appeal on V3: overturned, visit moved to E2` (or `moved from E1`, `attributed to nobody`,
        `newly attributed`). -#}
    coalesce(
        (
            select
                ' ('
                || string_agg(
                    case
                        when notes.note ->> 'outcome' = 'open'
                            then
                                'appeal pending on ' || (notes.note ->> 'visit_id')
                                || coalesce('/' || (notes.note ->> 'question_code'), '')
                        else
                            'appeal on ' || (notes.note ->> 'visit_id')
                            || coalesce('/' || (notes.note ->> 'question_code'), '')
                            || ': ' || (notes.note ->> 'outcome')
                            || case
                                when notes.note ->> 'outcome' != 'overturned' then ''
                                when notes.note ->> 'effect' = 'corrected_answer'
                                    then
                                        ', ' || coalesce(notes.note ->> 'from_answer', '—')
                                        || ' → ' || coalesce(notes.note ->> 'to_answer', '—')
                                when notes.note ->> 'effect' = 'rejected' then ', visit rejected'
                                when notes.note ->> 'moved' = 'to'
                                    then
                                        coalesce(
                                            ', visit moved to ' || (notes.note ->> 'other_employee_code'),
                                            ', visit attributed to nobody'
                                        )
                                when notes.note ->> 'moved' = 'from'
                                    then
                                        coalesce(
                                            ', visit moved from ' || (notes.note ->> 'other_employee_code'),
                                            ', visit newly attributed'
                                        )
                                else ''
                            end
                    end,
                    '; '
                    order by notes.position
                )
                || ')'
            from jsonb_array_elements(({{ details }}) -> 'appeals') with ordinality as notes (note, position)
        ),
        ''
    )
{%- endmacro %}
