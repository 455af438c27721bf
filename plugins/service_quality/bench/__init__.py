"""Benchmarks of the pipeline (``sqw bench`` / ``make bench``).

Shared machines make absolute timings noisy, so every figure with a target is a *ratio* of two
things measured side by side in the same run (validated load vs bare COPY, DAG run vs bare
``dbt build``, ...). Results go to ``benchmarks/results/latest.json`` and ``latest.md``.
"""
