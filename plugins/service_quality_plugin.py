"""What the Airflow UI needs from this project: the dbt docs, the Great Expectations Data Docs and the
attestation reports, served by the API server and linked from the UI's *Browse* menu.

Each is a folder of static HTML written by the pipeline (``sqw run`` regenerates them):

- dbt docs: ``dbt docs generate`` output (``.local/dbt_docs``, or ``SQW_DBT_DOCS_DIR``);
- Data Docs: the ingestion's GX Data Docs (Variable ``data_docs_root``, default ``.local/data_docs``);
- reports: the attestation HTML reports (``SQW_REPORTS_DIR``, default ``.local/reports``).

A folder that does not exist yet is answered with a page that says which command writes it.
Cosmos's own dbt-docs view (``[cosmos] dbt_docs_projects``) serves the same dbt docs where a deployment
keeps them in object storage; see docs/operating.md.
"""

from __future__ import annotations

import os
from pathlib import Path

from airflow.plugins_manager import AirflowPlugin

from service_quality.paths import LOCAL_DIR, REPORTS_DIR

URL_PREFIX = "/service-quality"


def docs_folders() -> dict[str, tuple[str, Path, str]]:
    """slug -> (menu name, folder, the command that writes it)."""
    return {
        "dbt-docs": (
            "dbt Docs",
            Path(os.environ.get("SQW_DBT_DOCS_DIR") or LOCAL_DIR / "dbt_docs"),
            "sqw run (or: dbt docs generate --target-path .local/dbt_docs)",
        ),
        "data-docs": (
            "Data Docs (Great Expectations)",
            Path(os.environ.get("AIRFLOW_VAR_DATA_DOCS_ROOT") or LOCAL_DIR / "data_docs"),
            "an ingestion DAG run (sqw run)",
        ),
        "reports": (
            "Attestation reports",
            REPORTS_DIR,
            "an attestation DAG run (sqw run)",
        ),
    }


def create_app():
    """A small FastAPI app: one static mount per folder, mounted by the API server under /service-quality."""
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    app = FastAPI(title="service-quality docs")
    for slug, (name, folder, writer) in docs_folders().items():
        if folder.is_dir():
            app.mount(f"/{slug}", StaticFiles(directory=folder, html=True, check_dir=False), name=slug)
        else:

            def missing(name: str = name, folder: Path = folder, writer: str = writer) -> HTMLResponse:
                body = f"<h1>{name}</h1><p>Nothing at <code>{folder}</code> yet: it is written by {writer}.</p>"
                return HTMLResponse(body, status_code=404)

            app.add_api_route(f"/{slug}/", missing, methods=["GET"])
    return app


class ServiceQualityPlugin(AirflowPlugin):
    name = "service_quality"
    fastapi_apps = [{"name": "service_quality_docs", "app": create_app(), "url_prefix": URL_PREFIX}]
    external_views = [
        {"name": name, "href": f"{URL_PREFIX}/{slug}/", "category": "browse", "url_route": f"sqw-{slug}"}
        for slug, (name, _folder, _writer) in docs_folders().items()
    ]
