"""The operators' home through a real ``airflow api-server`` and a real browser.

The API server runs this project's plugin with the compose file's authentication (SimpleAuthManager with
named users) against the simulated chain of ``conftest.py``. Headless Chromium (the Debian package,
installed when missing) gets a logged-in user's ``_token`` cookie through the DevTools protocol, opens the
page, and the test reads the rendered text: a rejected delivery's reason, an overdue source, the period
waiting for a re-run. The screenshot ``ops_home.png`` is kept in the test's directory (or
``$SQW_TEST_ARTIFACTS``). Without a login,
neither the page nor its data endpoint answers.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.airflow]

PASSWORDS = {"admin": "admin-password-for-this-test", "viewer": "viewer-password-for-this-test"}
#: Where the screenshot is kept: ``SQW_TEST_ARTIFACTS`` (CI uploads it), else the test's own directory.
ARTIFACTS_ENV = "SQW_TEST_ARTIFACTS"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(url: str, headers: dict | None = None, data: bytes | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=120) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@pytest.fixture(scope="module")
def api_server(ops_chain, databases, named_users_api_server, tmp_path_factory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("ops_page")
    metadata = databases.create("sqw_ops_page")
    env = {"AIRFLOW_CONN_WAREHOUSE": ops_chain.dsn.airflow_uri}
    with named_users_api_server.run(work, metadata, PASSWORDS, env) as (url, _):
        yield url


def _token(url: str, user: str) -> str:
    body = json.dumps({"username": user, "password": PASSWORDS[user]}).encode()
    status, text = _request(url + "/auth/token", {"Content-Type": "application/json"}, body)
    assert status in (200, 201), text
    return json.loads(text)["access_token"]


class DevTools:
    """A headless Chromium driven through its DevTools protocol (one page, one websocket)."""

    def __init__(self, chromium: Path, profile: Path) -> None:
        port = _free_port()
        self.process = subprocess.Popen(
            [
                str(chromium),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-dev-shm-usage",
                f"--user-data-dir={profile}",
                f"--remote-debugging-port={port}",
                "--window-size=1400,1800",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
                    pages = [t for t in json.load(response) if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "chromium's DevTools endpoint did not answer"
            time.sleep(0.5)
        from websockets.sync.client import connect

        self.socket = connect(pages[0]["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024)
        self.next_id = 0

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=120))
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message["result"]

    def open(self, url: str) -> str:
        """Navigate, wait until the document has loaded, return its rendered text."""
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + 120
        while True:
            state = self.call("Runtime.evaluate", expression="document.readyState")["result"]["value"]
            if (
                state == "complete"
                and self.call("Runtime.evaluate", expression="location.href")["result"]["value"] == url
            ):
                break
            assert time.monotonic() < deadline, "the page did not load"
            time.sleep(0.3)
        return self.call("Runtime.evaluate", expression="document.body.innerText")["result"]["value"]

    def screenshot(self, path: Path) -> None:
        path.write_bytes(
            base64.b64decode(self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"])
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.socket.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def test_a_logged_in_user_reads_the_page_in_a_real_browser(api_server, ops_chain, chromium, tmp_path):
    browser = DevTools(chromium, tmp_path / "profile")
    try:
        browser.call("Network.enable")
        browser.call("Network.setCookie", name="_token", value=_token(api_server, "viewer"), url=api_server, path="/")
        text = browser.open(api_server + "/service-quality/ops/")
        artifacts = Path(os.environ.get(ARTIFACTS_ENV) or tmp_path)
        artifacts.mkdir(parents=True, exist_ok=True)
        png = artifacts / "ops_home.png"
        browser.screenshot(png)
    finally:
        browser.close()
    assert "Operators' home" in text and "Bad deliveries" in text, text[:2000]
    (latest,) = ops_chain.rows(
        "select path, rejection_reason from ops.deliveries where status = 'rejected'"
        " order by arrived_at desc, path desc limit 1"
    )
    assert latest["path"] in text and latest["rejection_reason"] in text
    # The chain's deliveries stopped in January 2025: every source is overdue now.
    assert "Overdue: stores, employees" in text and "overdue" in text
    assert "revision_pending" in text and "2025-Q1" in text
    assert png.stat().st_size > 20_000


def test_without_a_login_the_page_and_its_data_refuse(api_server):
    for path in ("/service-quality/ops/", "/service-quality/ops/data.json"):
        status, body = _request(api_server + path)
        assert status in (401, 403), (path, status)
        assert "revision_pending" not in body and "rejection" not in body
    status, body = _request(api_server + "/service-quality/ops/data.json", {"Cookie": "_token=forged.token.value"})
    assert status in (401, 403)


def test_the_data_endpoint_answers_a_logged_in_client(api_server, ops_chain):
    status, body = _request(
        api_server + "/service-quality/ops/data.json", {"Authorization": f"Bearer {_token(api_server, 'viewer')}"}
    )
    assert status == 200, body[:2000]
    data = json.loads(body)
    (rejected,) = ops_chain.rows("select count(*) as n from ops.deliveries where status = 'rejected'")
    assert len(data["rejected"]) == min(rejected["n"], 20)
    assert {p["period_label"]: p["status"] for p in data["periods"]}[ops_chain.pending_period] == "revision_pending"
    assert "sales" in data["overdue"]


def test_the_page_is_in_the_ui_navigation(api_server):
    status, body = _request(api_server + "/api/v2/plugins", {"Authorization": f"Bearer {_token(api_server, 'admin')}"})
    assert status == 200
    (plugin,) = [p for p in json.loads(body)["plugins"] if p["name"] == "service_quality"]
    views = {v["name"]: v for v in plugin["external_views"]}
    assert views["Operators' home"]["href"] == "/service-quality/ops/"
    assert views["Operators' home"]["destination"] == "nav"
