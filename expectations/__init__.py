"""Great Expectations suites, as code, one module per source.

Each module exposes ``build_suite(present, timezones)``; the rules come from
``service_quality.contracts`` (one definition for the SQL routing and for GX).
"""
