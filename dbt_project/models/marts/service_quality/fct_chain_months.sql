{#
    Service quality of the whole chain per month: every store's monthly counts summed, ratios from
    the sums.
#}
{{ month_rollup() }}
