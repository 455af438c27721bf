{#
    Models land in exactly the schema their folder names (staging, intermediate, service_quality,
    attestation), not in dbt's default "<target schema>_<custom schema>": the warehouse's schemas,
    roles and grants are fixed by the bootstrap, and BI tools look for these names.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
