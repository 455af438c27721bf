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
