"""Nothing the project serves from Airflow's API server is given to a client without a login.

A real ``airflow api-server`` process with this project's plugin and the compose file's authentication
(SimpleAuthManager with named users, not everyone an admin; here an admin and a viewer): for each folder
the plugin serves (dbt docs, Data Docs, attestation reports, one of them not written yet), a request
without a token gets 401/403 (a browser is sent to the login page), never the content; with a token from
``POST /auth/token`` or the UI's ``_token`` cookie, the pages are served.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from service_quality.paths import DAGS_DIR, PLUGINS_DIR

pytestmark = [pytest.mark.integration, pytest.mark.airflow]

PASSWORDS = {"admin": "admin-password-for-this-test", "viewer": "viewer-password-for-this-test"}
SECRET_PAGE = "<h1>Attestation 2025-Q1</h1><p>E-0042: 87.5 points</p>"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def _stop_with_this_process() -> None:
    """In the child before exec: the kernel stops the API server if the test process dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"api-server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url + "/api/v2/monitor/health", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(1)
    raise TimeoutError(f"api-server not answering after {timeout:.0f}s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def api_server(databases, tmp_path_factory) -> Iterator[ApiServer]:
    from service_quality.airflow_env import environment

    work = tmp_path_factory.mktemp("api_login")
    home = work / "airflow_home"
    home.mkdir()
    # The auth manager reads the users' passwords from this file (it generates the missing ones).
    (home / "simple_auth_manager_passwords.json.generated").write_text(json.dumps(PASSWORDS))
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
    port = _free_port()
    secret = "a-secret-of-this-test-only-0123456789abcdef"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "AIRFLOW__", "SQW_"))}
    env = environment(env)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS_DIR),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": (
                f"postgresql+psycopg2://{metadata.user}@{metadata.host}:{metadata.port}/{metadata.dbname}"
            ),
            # As docker-compose.yml: SimpleAuthManager with named users, not everyone an admin.
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin,viewer:viewer",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
            "AIRFLOW__API_AUTH__JWT_SECRET": secret,
            "AIRFLOW__API__SECRET_KEY": secret,
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "SQW_LOCAL_DIR": str(work / "local"),
            "SQW_REPORTS_DIR": str(folders["reports"]),
            "SQW_DBT_DOCS_DIR": str(folders["dbt-docs"]),
            "AIRFLOW_VAR_DATA_DOCS_ROOT": str(folders["data-docs"]),
        }
    )
    airflow = str(Path(sys.executable).with_name("airflow"))
    migrated = subprocess.run([airflow, "db", "migrate"], env=env, capture_output=True, text=True, timeout=600)
    assert migrated.returncode == 0, migrated.stdout[-3000:] + migrated.stderr[-3000:]
    log = work / "api-server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [airflow, "api-server", "--port", str(port), "--host", "127.0.0.1"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_stop_with_this_process,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, process, log, timeout=300)
        yield ApiServer(url, folders, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


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
