"""Attestation publication: frozen revisions of the attestation results, late-data tracking, HTML reports.

The dbt models ``attestation.components`` / ``scorecards`` / ``awards`` compute every period; this package
freezes one closed period at a time into append-only revisions and renders what people read from those
revisions only. Modules keep heavy imports (psycopg, Jinja2) inside functions, so the DAG files can import
:mod:`service_quality.attestation.periods` at parse time.
"""
