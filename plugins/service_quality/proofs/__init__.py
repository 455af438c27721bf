"""Proofs: harnesses that run the whole pipeline to show a property of it, for tests and ``make``.

The scale-out proof (``make scale-out``, ``tests/integration/deploy/test_scale_out.py``) runs the DAGs on a
local Celery cluster and single-process, and compares the warehouses they leave. Nothing the DAGs run
imports this package; the benchmarks (``bench/``) measure, these prove.
"""
