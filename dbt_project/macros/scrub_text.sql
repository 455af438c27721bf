{#
    Personal data a customer may type into free text, masked the way the loader's scrubber stores it
    (plugins/service_quality/ingest/scrub.py): e-mail addresses as [email], card numbers (13-19 digits,
    spaces or dashes between groups) as [card], phone numbers (10-12 digits, optional +, spaces, dashes,
    brackets) as [phone]. A second guard for the comments the models show; the loader is the first.
#}
{% macro scrub_text(column) -%}
    regexp_replace(
        regexp_replace(
            regexp_replace(
                {{ column }},
                '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', '[email]', 'g'
            ),
            '(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])', '[card]', 'g'
        ),
        '(?<![0-9])\+?[0-9](?:[ ()-]{0,2}[0-9]){9,11}(?![0-9])', '[phone]', 'g'
    )
{%- endmacro %}
