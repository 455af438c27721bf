{#
    The latest delivered version of each key of a raw landing table.

    "Later" is arrival order (DATA_CONTRACTS.md): the delivery's arrival time, then its path in
    the landing zone, then the row's position in the file. Every delivered version stays in raw;
    a key missing from a newer snapshot keeps its last version, because we pick the last version
    of each key that was ever delivered. Adds the delivery's path and processing time as lineage.
#}
{% macro latest_version(source_relation, key_columns, source_name) -%}
    select distinct on ({{ key_columns | join(', ') }})
        versions.*,
        deliveries.path as _delivery_path,
        deliveries.processed_at as _processed_at
    from {{ source_relation }} as versions
    inner join {{ ref('stg_deliveries') }} as deliveries
        on versions._delivery_id = deliveries.delivery_id
    order by
        {% for key in key_columns -%}
            versions.{{ key }},
        {% endfor -%}
        versions._arrived_at desc,
        deliveries.path desc,
        versions._row_number desc
{%- endmacro %}
