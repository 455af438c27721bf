{#
    The store's local business date of a timestamp (DATA_CONTRACTS.md: periods are local dates).
    `timezone` is an IANA name from stores.timezone.
#}
{% macro local_date(timestamp_expression, timezone_expression) -%}
    ({{ timestamp_expression }} at time zone {{ timezone_expression }})::date
{%- endmacro %}
