{#
    The delivery watermark of an incremental model: deliveries processed since the newest one the
    model has already taken in, minus a lookback (var incremental_lookback_days), so late loads and
    load transactions that committed out of order are read again. Re-reading is harmless: the
    models pick the latest version per key and rebuild whole store-days. A full build reads everything.
#}
{% macro delivery_watermark(watermark_column='_processed_at') -%}
    {%- if not is_incremental() -%}
    '-infinity'::timestamptz
    {%- else -%}
    (
        select coalesce(max({{ watermark_column }}), '-infinity'::timestamptz)
            - interval '{{ var("incremental_lookback_days") }} days'
        from {{ this }}
    )
    {%- endif -%}
{%- endmacro %}
