"""The survey API pull against a real HTTP server started by the test: auth, cursor pages, retries, landing."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from ingest_helpers import query

from service_quality.ingest.survey_api import SurveyApi, SurveyApiError, pull

pytestmark = pytest.mark.integration

TOKEN = "test-token"


def _response(i: int, updated: str) -> dict:
    return {
        "response_id": f"API-{i}",
        "visited_at": "2025-01-02T10:00:00+03:00",
        "submitted_at": "2025-01-02T11:00:00+03:00",
        "store_code": "S-001",
        "channel": "email",
        "nps": i % 11,
        "csat": None,
        "customer_email": f"user{i}@example.com",
        "updated_at": updated,
    }


class Platform:
    """A survey platform: 7 responses in the interval, pages of 3, first calls answered 429 and 503."""

    def __init__(self) -> None:
        inside = [_response(i, f"2025-01-02T10:{i:02d}:00+00:00") for i in range(7)]
        outside = [_response(100, "2025-01-03T10:00:00+00:00")]
        self.responses = inside + outside
        self.failures = [429, 503]
        self.requests: list[dict] = []

    def handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                url = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                platform.requests.append({"path": url.path, "auth": self.headers.get("Authorization"), **params})
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._send(401, {"error": "bad token"})
                if platform.failures:
                    status = platform.failures.pop(0)
                    return self._send(status, {"error": "slow down"}, {"Retry-After": "0"} if status == 429 else {})
                start = datetime.fromisoformat(params["updated_from"])
                end = datetime.fromisoformat(params["updated_to"])
                matching = [r for r in platform.responses if start <= datetime.fromisoformat(r["updated_at"]) < end]
                offset = int(params.get("cursor", "0"))
                limit = int(params["limit"])
                page = matching[offset : offset + limit]
                more = offset + limit < len(matching)
                return self._send(200, {"data": page, "next_cursor": str(offset + limit) if more else None})

            def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        return Handler


@pytest.fixture()
def platform():
    p = Platform()
    server = ThreadingHTTPServer(("127.0.0.1", 0), p.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    p.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield p
    server.shutdown()
    server.server_close()


START = datetime(2025, 1, 2, tzinfo=UTC)
END = datetime(2025, 1, 3, tzinfo=UTC)


def test_pull_pages_lands_each_page_then_loads_it(warehouse, settings, platform):
    api = SurveyApi(platform.url, TOKEN, page_size=3, backoff_seconds=0.01)
    results = pull(api, START, END, warehouse, settings)

    assert [r["status"] for r in results] == ["loaded", "loaded", "loaded"]
    assert sum(r["rows_loaded"] for r in results) == 7
    # incremental: only the interval's responses, hashed contact fields, the unknown key kept aside
    rows = query(warehouse, "select response_id, customer_email_hash, _extra from raw.surveys order by 1")
    assert [r[0] for r in rows] == [f"API-{i}" for i in range(7)]
    assert all(len(r[1]) == 64 for r in rows) and rows[0][2]["updated_at"].startswith("2025-01-02")
    # retried after 429 and 503, then walked the cursor; every call carried the token and the interval
    statuses = platform.requests
    assert len(statuses) == 2 + 3
    assert all(r["auth"] == f"Bearer {TOKEN}" for r in statuses)
    assert [r.get("cursor") for r in statuses[2:]] == [None, "3", "6"]
    assert all(r["updated_from"] == START.isoformat() for r in statuses)
    # each page is a landing file, archived and recorded like any delivery
    pages = sorted(Path(settings.landing_root).rglob("*.jsonl"))
    assert [p.name for p in pages] == [f"responses_20250102T000000_20250103T000000_p000{i}.jsonl" for i in (1, 2, 3)]
    recorded = query(warehouse, "select path, archive_uri from ops.deliveries order by delivery_id")
    assert [r[0] for r in recorded] == [p.relative_to(settings.landing_root).as_posix() for p in pages]
    assert all(Path(r[1]).exists() for r in recorded)

    # a rerun of the same interval loads nothing twice
    again = pull(api, START, END, warehouse, settings)
    assert [r["status"] for r in again] == ["skipped"] * 3
    assert query(warehouse, "select count(*) from raw.surveys") == [(7,)]


def test_a_bad_token_stops_with_the_status(warehouse, settings, platform):
    api = SurveyApi(platform.url, "wrong", page_size=3, backoff_seconds=0.01)
    with pytest.raises(SurveyApiError, match="HTTP 401"):
        pull(api, START, END, warehouse, settings)
    assert query(warehouse, "select count(*) from ops.deliveries") == [(0,)]


def test_persistent_server_errors_give_up_after_the_retries(warehouse, settings, platform):
    platform.failures = [503] * 10
    api = SurveyApi(platform.url, TOKEN, page_size=3, backoff_seconds=0.01, max_attempts=3)
    with pytest.raises(SurveyApiError, match="HTTP 503 after 3 attempt"):
        pull(api, START, END, warehouse, settings)
    assert len(platform.requests) == 3
