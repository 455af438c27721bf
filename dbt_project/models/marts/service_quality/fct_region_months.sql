{{ month_rollup(['region']) }}
