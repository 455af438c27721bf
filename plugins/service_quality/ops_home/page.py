"""The operators' home: what :mod:`queries` returns, gathered for one instant and rendered as one HTML page.

The page is served by the plugin's FastAPI app (``service_quality_plugin.py``) behind Airflow's login and
shown inside the Airflow UI; links to Airflow's own pages (DAG runs, the attestation DAGs) open in the UI
around it (``target="_top"``).
"""

from __future__ import annotations

import functools
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from service_quality.ops_home import chart, freshness, queries
from service_quality.warehouse.connection import WarehouseDsn

TEMPLATES = Path(__file__).parent / "templates"

#: Where the plugin serves the Data Docs and the dbt docs (``service_quality_plugin.URL_PREFIX``).
DATA_DOCS_URL = "/service-quality/data-docs/"
DBT_DOCS_URL = "/service-quality/dbt-docs/"
DBT_PROJECT = "service_quality"


def warehouse_dsn() -> WarehouseDsn:
    """The ``warehouse`` connection as the API server sees it: ``AIRFLOW_CONN_WAREHOUSE``, else Airflow's
    secrets backends and metadata database. Never the embedded fallback: a page must not start a server."""
    from service_quality.warehouse import connection

    dsn = connection.configured()
    if dsn is not None:
        return dsn
    from airflow.models.connection import Connection

    conn = Connection.get_connection_from_secrets(connection.CONN_ID)
    return WarehouseDsn.from_airflow_fields(conn.host, conn.port, conn.login, conn.password, conn.schema)


def cadence_variable() -> str | None:
    """The Variable ``source_cadence`` (``AIRFLOW_VAR_SOURCE_CADENCE`` or the metadata database)."""
    value = os.environ.get(f"AIRFLOW_VAR_{freshness.VARIABLE.upper()}")
    if value is not None:
        return value
    try:
        from airflow.models.variable import Variable

        return Variable.get(freshness.VARIABLE, default_var=None)
    except Exception:  # noqa: BLE001 - no metadata database here (a command, a test): the defaults apply
        return None


def data_docs_link(uri: str | None) -> str | None:
    """The served address of a validation page (its ``data_docs_uri`` is a file under the Data Docs root)."""
    if not uri or "/validations/" not in uri:
        return None
    return DATA_DOCS_URL + "validations/" + uri.rsplit("/validations/", 1)[1]


def dag_run_link(dag_id: str | None, run_id: str | None) -> str | None:
    from urllib.parse import quote

    if not dag_id or not run_id:
        return None
    return f"/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"


def mart_link(mart: str) -> str:
    return f"{DBT_DOCS_URL}#!/model/model.{DBT_PROJECT}.{mart}"


def gather(dsn: WarehouseDsn, as_of: datetime, cadence_json: str | None = None) -> dict[str, Any]:
    """Everything the page shows, as of ``as_of`` (JSON-friendly apart from datetimes)."""
    cadence = freshness.parse_cadence(cadence_json)
    with queries.read_only(dsn) as conn:
        activity = queries.source_activity(conn, as_of)
        timezones = queries.store_timezones(conn)
        rejected = queries.rejected_deliveries(conn, as_of)
        quarantine = queries.quarantine_by_rule(conn, as_of)
        dq = queries.data_quality(conn)
        periods = queries.attestation_periods(conn)
    fresh = {
        f.source: f
        for f in freshness.freshness({r["source"]: r["last_arrived_at"] for r in activity}, as_of, cadence, timezones)
    }
    for row in activity:
        f = fresh[row["source"]]
        row.update(
            cadence=f.cadence.describe(),
            due_at=f.due_at,
            is_overdue=f.is_overdue,
            freshness=f.describe(as_of),
        )
    for row in rejected:
        row["data_docs_url"] = data_docs_link(row["data_docs_uri"])
        row["dag_run_url"] = dag_run_link(row["dag_id"], row["run_id"])
    return {
        "as_of": as_of,
        "sources": activity,
        "overdue": [r["source"] for r in activity if r["is_overdue"]],
        "rejected": rejected,
        "quarantine": quarantine,
        "data_quality": dq,
        "periods": periods,
    }


@functools.cache
def _environment():
    """Built once per process: the API server compiles the template on the first view only."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["when"] = lambda t: "" if t is None else t.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    env.filters["count"] = lambda n: f"{int(n or 0):,}".replace(",", "\u202f")
    return env


def render(data: dict[str, Any]) -> str:
    env = _environment()
    svg = chart.quarantine_by_rule(data["quarantine"], data["as_of"].astimezone(UTC).date())
    return env.get_template("home.html").render(
        **data,
        chart_svg=svg,
        mart_link=mart_link,
        data_docs_index=DATA_DOCS_URL,
        dag_run_link=dag_run_link,
    )


def now() -> datetime:
    return datetime.now(UTC)
