"""Fixtures for ingestion tests: a landing zone of real files and settings pointing at temp folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_helpers import PII_KEY, Landing

from service_quality.ingest.settings import IngestSettings


@pytest.fixture()
def landing_zone(tmp_path: Path) -> Landing:
    return Landing(tmp_path / "landing")


@pytest.fixture()
def settings(tmp_path: Path, landing_zone: Landing) -> IngestSettings:
    """GX off by default (it is exercised by the tests that ask for ``gx_settings``)."""
    return IngestSettings(
        landing_root=str(landing_zone.root),
        archive_root=str(tmp_path / "archive"),
        data_docs_root=str(tmp_path / "docs"),
        validate_with_gx=False,
        pii_key=PII_KEY,
    )


@pytest.fixture()
def gx_settings(settings: IngestSettings) -> IngestSettings:
    settings.validate_with_gx = True
    return settings
