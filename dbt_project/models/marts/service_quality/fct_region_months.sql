{#
    Service quality per region and month: the stores' monthly counts summed, ratios from the sums.
#}
{{ month_rollup(['region']) }}
