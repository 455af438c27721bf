{#-
    Small helpers shared by the attestation models, so each rule of the method is written once.
-#}

{% macro attestation_methodology_version() -%}
    {#- The methodology version the models compute: dbt var `methodology_version` (default '1.1').
        The seeds hold one set of parameters per version; the models read the rows of this one. -#}
    '{{ var("methodology_version", "1.1") }}'::text
{%- endmacro %}


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
    {#- A number as text for the explanation lines, rounded half away from zero, trailing zeros kept. -#}
    coalesce(round(({{ value }})::numeric, {{ digits }})::text, 'n/a')
{%- endmacro %}
