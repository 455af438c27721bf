{#
    The distinct non-null values of an indexed column, walking the index one value at a time
    (a "loose index scan"): cost grows with the number of distinct values, not with the rows.
    Used on the large incremental staging tables so the data-quality marts stay cheap.
#}
{% macro distinct_values(relation, column) -%}
    with recursive walk as (
        (
            select {{ column }} as value
            from {{ relation }}
            where {{ column }} is not null
            order by {{ column }}
            limit 1
        )
        union all
        select (
            select next_row.{{ column }}
            from {{ relation }} as next_row
            where next_row.{{ column }} > walk.value
            order by next_row.{{ column }}
            limit 1
        ) as value
        from walk
        where walk.value is not null
    )

    select value from walk
    where value is not null
{%- endmacro %}
