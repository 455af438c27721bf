{#
    The delivery watermark of the incremental staging models: a delivery is read when the model has
    not taken it in yet, i.e. none of the model's rows comes from it. Deliveries are found by their id
    (ops.deliveries), not by a time window, so a file loaded late, replayed from the archive, or
    committed out of order by a concurrent load is still read exactly once, and a daily run reads
    only the day's deliveries however long the history. The model's delivery ids are listed through
    its index (distinct_values), in time proportional to the number of deliveries, not of rows.
    On a full build every delivery is read.
#}
{% macro delivery_not_taken_in(delivery_id_column='delivery_id') -%}
    {%- if is_incremental() -%}
        {{ delivery_id_column }} not in (
            {{ distinct_values(this, '_delivery_id') }}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{# When this run staged a row: the change marker the store-day aggregates read after staging. #}
{% macro staged_at() -%}
    '{{ run_started_at.isoformat() }}'::timestamptz
{%- endmacro %}

{#
    The two sides an incremental staging model weighs, key by key, to keep the later version:
    - new_delivered_versions: the rows of raw.`source_name` from the loaded deliveries the model has
      not taken in yet (the watermark above), with the lineage every staged row carries;
    - stored_versions_of_new_keys: the stored rows of the keys among `new_versions` (a late or
      corrected delivery is weighed against what is already staged); nothing on a full build.
    `columns` are the source's own columns, in the model's column order; the lineage columns follow.
#}
{% macro new_delivered_versions(source_name, columns) -%}
    select
        {%- for column in columns %}
        delivered.{{ column }},
        {%- endfor %}
        delivered._delivery_id,
        delivered._row_number,
        delivered._arrived_at,
        new_deliveries.path as _delivery_path,
        new_deliveries.processed_at as _processed_at,
        {{ staged_at() }} as _staged_at
    from {{ source('raw', source_name) }} as delivered
    inner join (
        select
            delivery_id,
            path,
            processed_at
        from {{ ref('stg_deliveries') }}
        where
            source = '{{ source_name }}'
            and status = 'loaded'
            and {{ delivery_not_taken_in() }}
    ) as new_deliveries
        on delivered._delivery_id = new_deliveries.delivery_id
{%- endmacro %}

{% macro stored_versions_of_new_keys(key_columns, columns, new_versions='new_versions') -%}
    {%- if is_incremental() %}
        select
            {%- for column in columns + ['_delivery_id', '_row_number', '_arrived_at', '_delivery_path',
                                          '_processed_at', '_staged_at'] %}
            stored.{{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ this }} as stored
        inner join (
            select distinct {{ key_columns | join(', ') }}
            from {{ new_versions }}
        ) as new_keys
            on
                {% for key in key_columns -%}
                    {{ 'and ' if not loop.first }}stored.{{ key }} = new_keys.{{ key }}
                {% endfor %}
    {%- else %}
        -- a full build has nothing stored yet
        select * from {{ new_versions }}
        where false
    {%- endif %}
{%- endmacro %}

{# The latest version of each key among `candidates`, in arrival order (DATA_CONTRACTS.md). #}
{% macro latest_by_arrival(candidates, key_columns) -%}
    select distinct on ({{ key_columns | join(', ') }}) *
    from {{ candidates }}
    order by
        {% for key in key_columns -%}
            {{ key }} asc,
        {% endfor -%}
        _arrived_at desc, _delivery_path desc, _row_number desc
{%- endmacro %}
