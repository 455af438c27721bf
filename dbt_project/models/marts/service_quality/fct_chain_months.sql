{{ month_rollup() }}
