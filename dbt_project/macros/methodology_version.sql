{% macro attestation_methodology_version() -%}
    {#- The methodology version the models compute: dbt var `methodology_version` (default '1.1').
        The seeds hold one set of parameters per version; the models read the rows of this one.
        Outside macros/attestation because the audit models read it too: appeals (§8) exist from
        version 1.1 on, and the seeds of an earlier version hold no appeal parameters. -#}
    '{{ var("methodology_version", "1.1") }}'::text
{%- endmacro %}
