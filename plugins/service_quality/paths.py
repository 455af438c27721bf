"""Where the project keeps its files: one place, so every module agrees on the layout."""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root (plugins/service_quality/paths.py -> ../../).
ROOT = Path(__file__).resolve().parents[2]

DAGS_DIR = ROOT / "dags"
PLUGINS_DIR = ROOT / "plugins"
DBT_PROJECT_DIR = ROOT / "dbt_project"
EXPECTATIONS_DIR = ROOT / "expectations"

#: Git-ignored local state: embedded warehouse, Airflow home, demo data, reports.
LOCAL_DIR = Path(os.environ.get("SQW_LOCAL_DIR", ROOT / ".local")).resolve()
EMBEDDED_PGDATA = LOCAL_DIR / "warehouse" / "pgdata"
AIRFLOW_HOME = Path(os.environ.get("AIRFLOW_HOME", LOCAL_DIR / "airflow")).resolve()
DEMO_DIR = LOCAL_DIR / "demo"
#: OpenLineage events of local runs (the file transport, see airflow_env.lineage_settings).
LINEAGE_DIR = LOCAL_DIR / "lineage"
REPORTS_DIR = Path(os.environ.get("SQW_REPORTS_DIR", LOCAL_DIR / "reports")).resolve()
