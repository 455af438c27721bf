"""Great Expectations suite for `appeals`: appeals against mystery-shopping results; a later delivery (a decision) updates an appeal.

Built from the contract in `service_quality.contracts` (columns, types, row rules), so GX checks
exactly what the loader routes to `quarantine.appeals`. Open the rendered results in the Data Docs.
"""

from __future__ import annotations

from typing import Any

from service_quality.ingest.suites import build_suite as _build_suite

SOURCE = "appeals"


def build_suite(present: dict[str, str], timezones: tuple[str, ...] = ()) -> Any:
    """The suite for one delivery whose file has the contract columns in ``present``."""
    return _build_suite(SOURCE, present, timezones)
