"""Nothing the project serves from Airflow's API server is given to a client without a login.

A real ``airflow api-server`` process with this project's plugin and the compose file's authentication
(SimpleAuthManager with named users, not everyone an admin; here an admin and a viewer): for each folder
the plugin serves (dbt docs, Data Docs, attestation reports, one of them not written yet), a request
without a token gets 401/403 (a browser is sent to the login page), never the content; with a token from
``POST /auth/token`` or the UI's ``_token`` cookie, the pages are served.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.airflow]

PASSWORDS = {"admin": "admin-password-for-this-test", "viewer": "viewer-password-for-this-test"}
SECRET_PAGE = "<h1>Attestation 2025-Q1</h1><p>E-0042: 87.5 points</p>"


@dataclass
class ApiServer:
    url: str
    folders: dict[str, Path]
    log: Path

    def get(
        self, path: str, headers: dict[str, str] | None = None, method: str = "GET"
    ) -> tuple[int, dict[str, str], str]:
        """(status, headers, body) without following redirects."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        request = urllib.request.Request(self.url + path, headers=headers or {}, method=method)
        try:
            with opener.open(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode(errors="replace")

    def token(self, username: str) -> str:
        request = urllib.request.Request(
            self.url + "/auth/token",
            data=json.dumps({"username": username, "password": PASSWORDS[username]}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)["access_token"]


@pytest.fixture(scope="module")
def api_server(databases, named_users_api_server, tmp_path_factory) -> Iterator[ApiServer]:
    work = tmp_path_factory.mktemp("api_login")
    folders = {"reports": work / "reports", "dbt-docs": work / "dbt_docs", "data-docs": work / "data_docs"}
    for slug in ("reports", "dbt-docs"):
        folders[slug].mkdir()
        (folders[slug] / "index.html").write_text(f"<title>{slug}</title>{SECRET_PAGE}")
    (folders["reports"] / "2025-Q1").mkdir()
    (folders["reports"] / "2025-Q1" / "index.html").write_text(SECRET_PAGE)
    (folders["reports"] / "report.css").write_text("body { color: black }")
    (work / "outside.txt").write_text("OUTSIDE the served folders")
    # data-docs is not written yet: the server must protect a folder that appears after it started.

    metadata = databases.create("sqw_api_login")
    env = {
        "SQW_REPORTS_DIR": str(folders["reports"]),
        "SQW_DBT_DOCS_DIR": str(folders["dbt-docs"]),
        "AIRFLOW_VAR_DATA_DOCS_ROOT": str(folders["data-docs"]),
    }
    with named_users_api_server.run(work, metadata, PASSWORDS, env) as (url, log):
        yield ApiServer(url, folders, log)


#: Every page the plugin serves, one per folder and a file inside a folder.
PAGES = [
    "/service-quality/reports/",
    "/service-quality/reports/2025-Q1/",
    "/service-quality/reports/report.css",
    "/service-quality/dbt-docs/",
    "/service-quality/data-docs/",
    "/service-quality/reports",
]


def test_the_plugin_is_loaded_and_the_core_api_needs_a_login(api_server):
    status, _, _ = api_server.get("/api/v2/dags")
    assert status == 401
    status, _, body = api_server.get("/api/v2/plugins", {"Authorization": f"Bearer {api_server.token('admin')}"})
    assert status == 200 and '"service_quality"' in body, body[:2000]


@pytest.mark.parametrize("page", PAGES)
def test_no_page_without_a_login(api_server, page):
    status, _, body = api_server.get(page)
    assert status in (401, 403), (page, status, body[:500])
    assert "E-0042" not in body and "Nothing at" not in body


@pytest.mark.parametrize("page", PAGES)
def test_no_page_with_a_forged_or_foreign_token(api_server, page):
    forged = api_server.token("viewer")[:-4] + "AAAA"
    for headers in ({"Authorization": f"Bearer {forged}"}, {"Cookie": f"_token={forged}"}):
        status, _, body = api_server.get(page, headers)
        assert status in (401, 403), (page, headers, status)
        assert "E-0042" not in body


def test_a_browser_without_a_login_is_sent_to_the_login_page(api_server):
    status, headers, body = api_server.get("/service-quality/reports/2025-Q1/", {"Accept": "text/html,*/*"})
    assert status in (302, 303, 307), (status, body[:500])
    assert "/auth/login" in headers["location"] and "2025-Q1" in headers["location"]
    assert "E-0042" not in body


@pytest.mark.parametrize("user", ["admin", "viewer"])
def test_a_logged_in_user_sees_the_pages(api_server, user):
    bearer = {"Authorization": f"Bearer {api_server.token(user)}"}
    for page in ("/service-quality/reports/", "/service-quality/reports/2025-Q1/", "/service-quality/dbt-docs/"):
        status, _, body = api_server.get(page, bearer)
        assert status == 200 and "E-0042" in body, (page, status, body[:500])
    status, _, body = api_server.get("/service-quality/reports/report.css", bearer)
    assert status == 200 and "color: black" in body
    status, headers, body = api_server.get("/service-quality/reports/report.css", bearer, method="HEAD")
    assert status == 200 and body == "" and int(headers["content-length"]) > 0
    status, _, _ = api_server.get("/service-quality/reports/report.css", method="HEAD")
    assert status == 401
    status, headers, _ = api_server.get("/service-quality/reports", bearer)
    assert status in (302, 307) and headers["location"].endswith("/service-quality/reports/")
    # Nothing outside the folder, even with a login.
    for escape in ("..%2Foutside.txt", "%2E%2E/outside.txt", "2025-Q1/..%2F..%2Foutside.txt"):
        status, _, body = api_server.get(f"/service-quality/reports/{escape}", bearer)
        assert status == 404 and "OUTSIDE" not in body, (escape, status)


def test_the_ui_cookie_is_a_login_too(api_server):
    """Inside the Airflow UI the pages load in a frame: the browser sends the ``_token`` cookie, no header."""
    cookie = {"Cookie": f"_token={api_server.token('viewer')}", "Accept": "text/html"}
    status, _, body = api_server.get("/service-quality/reports/2025-Q1/", cookie)
    assert status == 200 and "E-0042" in body


def test_a_folder_written_after_the_server_started_is_protected_too(api_server):
    bearer = {"Authorization": f"Bearer {api_server.token('viewer')}"}
    status, _, body = api_server.get("/service-quality/data-docs/", bearer)
    assert status == 404 and "Nothing at" in body and "ingestion DAG run" in body

    data_docs = api_server.folders["data-docs"]
    data_docs.mkdir(exist_ok=True)
    (data_docs / "index.html").write_text("<h1>Data Docs</h1><p>E-0042 validation</p>")
    status, _, body = api_server.get("/service-quality/data-docs/")
    assert status == 401 and "E-0042" not in body
    status, _, body = api_server.get("/service-quality/data-docs/", bearer)
    assert status == 200 and "E-0042 validation" in body
