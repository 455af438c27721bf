"""Where ingestion reads from and writes to, and the secrets it needs: resolved in one place.

Inside Airflow, the landing root, archive root and PII key come from Airflow Variables (``landing_root``,
``archive_root``, ``survey_pii_key``; a Variable can be set as ``AIRFLOW_VAR_<NAME>``) or, for the key,
an Airflow connection ``survey_pii_key`` (its password). Outside Airflow (CLI, tests) the same
environment variables are read. Nothing secret has a default: the PII key never comes from the repo.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from service_quality.paths import DEMO_DIR, LOCAL_DIR

DEFAULT_LANDING_ROOT = str(DEMO_DIR / "landing")
DEFAULT_ARCHIVE_ROOT = str(LOCAL_DIR / "archive")
DEFAULT_DATA_DOCS_ROOT = str(LOCAL_DIR / "data_docs")
DEFAULT_CHUNK_BYTES = 1 << 20
#: a load batch: at most this many files and bytes (one GX run and one commit per batch and file layout)
DEFAULT_BATCH_FILES = 200
DEFAULT_BATCH_BYTES = 256 << 20


def _airflow_variable(name: str) -> str | None:
    """An Airflow Variable when running inside Airflow; None elsewhere or when unset."""
    value = os.environ.get(f"AIRFLOW_VAR_{name.upper()}")
    if value:
        return value
    if not os.environ.get("AIRFLOW_CTX_DAG_ID"):
        return None
    try:
        from airflow.sdk import Variable

        return Variable.get(name, default=None)
    except Exception:  # noqa: BLE001 - no Variable backend reachable: fall back to defaults
        return None


def _airflow_connection_password(conn_id: str) -> str | None:
    if not os.environ.get("AIRFLOW_CTX_DAG_ID") and not os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}"):
        return None
    try:
        from airflow.sdk import BaseHook

        return BaseHook.get_connection(conn_id).password or None
    except Exception:  # noqa: BLE001 - connection not defined
        return None


def pii_key() -> bytes | None:
    """The HMAC key for survey contact fields: Variable ``survey_pii_key``, else connection of that name."""
    value = _airflow_variable("survey_pii_key") or _airflow_connection_password("survey_pii_key")
    return value.encode("utf-8") if value else None


@dataclass
class IngestSettings:
    landing_root: str = field(default_factory=lambda: _airflow_variable("landing_root") or DEFAULT_LANDING_ROOT)
    archive_root: str = field(default_factory=lambda: _airflow_variable("archive_root") or DEFAULT_ARCHIVE_ROOT)
    data_docs_root: str = field(default_factory=lambda: _airflow_variable("data_docs_root") or DEFAULT_DATA_DOCS_ROOT)
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    batch_files: int = field(
        default_factory=lambda: int(_airflow_variable("ingest_batch_files") or DEFAULT_BATCH_FILES)
    )
    batch_bytes: int = field(
        default_factory=lambda: int(_airflow_variable("ingest_batch_bytes") or DEFAULT_BATCH_BYTES)
    )
    #: run the Great Expectations suite on every batch (results to ops.validation_results, Data Docs)
    validate_with_gx: bool = True
    build_data_docs: bool = True
    pii_key: bytes | None = field(default_factory=pii_key)
    #: override the contract's share of bad rows above which a delivery is rejected (None: the contract's)
    bad_row_threshold: float | None = None
