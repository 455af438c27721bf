"""What the Airflow UI needs from this project: the operators' home (ingestion health, bad deliveries, data
quality and attestation status on one page, in the UI's navigation), and the dbt docs, the Great
Expectations Data Docs and the attestation reports, served by the API server and linked from the UI's
*Browse* menu.

The operators' home (``/service-quality/ops/``, its data as JSON at ``/service-quality/ops/data.json``) is
rendered on each request from the warehouse, read as the read-only role ``ops_reader``
(``service_quality.ops_home``).

Each is a folder of static HTML written by the pipeline (``sqw run`` regenerates them):

- dbt docs: ``dbt docs generate`` output (``.local/dbt_docs``, or ``SQW_DBT_DOCS_DIR``);
- Data Docs: the ingestion's GX Data Docs (Variable ``data_docs_root``, default ``.local/data_docs``);
- reports: the attestation HTML reports (``SQW_REPORTS_DIR``, default ``.local/reports``).

A folder that does not exist yet is answered with a page that says which command writes it.

Nothing is served without a login (PRODUCT.md, "Who sees what"): a plugin's FastAPI app gets no
authentication from Airflow unless it asks for it, so every route of this app depends on Airflow's own
FastAPI security, ``requires_access_view(AccessView.PLUGINS)``: the caller must be an authenticated Airflow
user (the UI's ``_token`` cookie or an ``Authorization: Bearer`` token) whom the auth manager lets see plugin
views. There are no ``StaticFiles`` mounts (a mount takes no dependencies): one route per folder serves its
files through Starlette's ``StaticFiles`` lookup (which keeps requests inside the folder), after the check.
A browser without a login is sent to Airflow's login page and back; any other client gets 401/403.

Cosmos's own dbt-docs view (``[cosmos] dbt_docs_projects``) has no such check in the Cosmos version this
project pins; see docs/security.md before enabling it.
"""

# No ``from __future__ import annotations``: FastAPI reads the routes' parameter types (``Request``, imported
# inside ``create_app``) from their annotations at run time.
import functools
import html
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
    """A small FastAPI app, mounted by the API server under /service-quality: one route per folder, each
    behind Airflow's authentication and authorisation (the app's dependencies apply to every route)."""
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import requires_access_view
    from fastapi import Depends, FastAPI, Request
    from fastapi.exception_handlers import http_exception_handler
    from fastapi.responses import HTMLResponse, RedirectResponse, Response
    from fastapi.staticfiles import StaticFiles
    from starlette.exceptions import HTTPException

    app = FastAPI(
        title="service-quality docs",
        dependencies=[Depends(requires_access_view(AccessView.PLUGINS))],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    folders = docs_folders()
    statics = {
        slug: StaticFiles(directory=folder, html=True, check_dir=False) for slug, (_n, folder, _w) in folders.items()
    }

    @app.exception_handler(HTTPException)
    async def login_first(request: Request, exc: HTTPException) -> Response:
        """A browser that has not logged in goes to Airflow's login page (and comes back after it)."""
        if exc.status_code == 401 and "text/html" in request.headers.get("accept", ""):
            from airflow.api_fastapi.app import get_auth_manager

            return RedirectResponse(get_auth_manager().get_url_login(next_url=str(request.url)), status_code=303)
        return await http_exception_handler(request, exc)

    @app.get("/ops/", include_in_schema=False)
    def ops_home() -> Response:
        from service_quality.ops_home import page

        try:
            data = page.gather(page.warehouse_dsn(), page.now(), page.cadence_variable())
        except Exception as error:  # noqa: BLE001 - the page says what failed instead of a bare 500
            body = (
                "<h1>Operators' home</h1><p>The warehouse could not be read: "
                f"<code>{html.escape(type(error).__name__)}: {html.escape(str(error))}</code>.</p>"
                "<p>Is the <code>warehouse</code> connection set and the warehouse bootstrapped "
                "(<code>make bootstrap</code> or the <code>warehouse_bootstrap</code> DAG, which creates the "
                "read-only role <code>ops_reader</code>)?</p>"
            )
            return HTMLResponse(body, status_code=503)
        return HTMLResponse(page.render(data))

    @app.get("/ops/data.json", include_in_schema=False)
    def ops_data() -> Response:
        from fastapi.encoders import jsonable_encoder
        from fastapi.responses import JSONResponse

        from service_quality.ops_home import page

        return JSONResponse(jsonable_encoder(page.gather(page.warehouse_dsn(), page.now(), page.cadence_variable())))

    @app.get("/{slug}", include_in_schema=False)
    def folder_root(slug: str, request: Request) -> Response:
        if slug not in folders and slug != "ops":
            raise HTTPException(status_code=404)
        return RedirectResponse(request.url.replace(path=request.url.path + "/"))

    @app.api_route("/{slug}/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def folder_file(slug: str, path: str, request: Request) -> Response:
        if slug not in folders:
            raise HTTPException(status_code=404)
        name, folder, writer = folders[slug]
        if not folder.is_dir():  # checked on every request: the folder may be written after the server started
            body = f"<h1>{name}</h1><p>Nothing at <code>{folder}</code> yet: it is written by {writer}.</p>"
            return HTMLResponse(body, status_code=404)
        # The same normalisation as a StaticFiles mount; its lookup refuses anything outside the folder.
        relative = os.path.normpath(os.path.join(*path.split("/"))) if path else "."
        return await statics[slug].get_response(relative, request.scope)

    return app


class ServiceQualityPlugin(AirflowPlugin):
    name = "service_quality"

    @functools.cached_property
    def fastapi_apps(self) -> list[dict]:
        """Built when first asked for, which only the API server does: every process that loads plugins
        (task processes that touch object storage, among them) would otherwise import FastAPI and Airflow's
        API security (about 1.3 s) for an app it never serves."""
        return [{"name": "service_quality_docs", "app": create_app(), "url_prefix": URL_PREFIX}]

    external_views = [
        {"name": "Operators' home", "href": f"{URL_PREFIX}/ops/", "destination": "nav", "url_route": "sqw-ops"},
    ] + [
        {"name": name, "href": f"{URL_PREFIX}/{slug}/", "category": "browse", "url_route": f"sqw-{slug}"}
        for slug, (name, _folder, _writer) in docs_folders().items()
    ]
