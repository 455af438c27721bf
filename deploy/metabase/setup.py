"""Provision Metabase: the first admin, and the warehouse connection as the read-only role ``bi_reader``.

Run once by the ``metabase-setup`` compose service (standard library only, so any Python image runs
it). Idempotent: on a Metabase that is already set up it logs in as the admin and adds the warehouse
connection only if no database of that name exists. Configuration comes from the environment:
METABASE_URL, METABASE_ADMIN_EMAIL, METABASE_ADMIN_PASSWORD, WAREHOUSE_HOST, WAREHOUSE_PORT,
WAREHOUSE_DB, BI_READER_PASSWORD.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request

DATABASE_NAME = "Service-quality warehouse"
#: bi_reader can read only these schemas; Metabase is told to sync only them.
PUBLISHED_SCHEMAS = "service_quality,attestation"


def _call(base: str, method: str, path: str, body: dict | None = None, session: str | None = None) -> dict | list:
    headers = {"Content-Type": "application/json"}
    if session:
        headers["X-Metabase-Session"] = session
    request = urllib.request.Request(
        base + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers=headers,
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read()
    return json.loads(raw) if raw else {}


def _wait_healthy(base: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if _call(base, "GET", "/api/health").get("status") == "ok":
                return
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(5)
    raise SystemExit(f"Metabase at {base} did not become healthy within {timeout:.0f}s")


def warehouse_details() -> dict:
    return {
        "host": os.environ.get("WAREHOUSE_HOST", "warehouse"),
        "port": int(os.environ.get("WAREHOUSE_PORT", "5432")),
        "dbname": os.environ.get("WAREHOUSE_DB", "warehouse"),
        "user": "bi_reader",
        "password": os.environ["BI_READER_PASSWORD"],
        "ssl": os.environ.get("WAREHOUSE_SSL", "false") == "true",
        "schema-filters-type": "inclusion",
        "schema-filters-patterns": PUBLISHED_SCHEMAS,
        "tunnel-enabled": False,
    }


def main() -> int:
    base = os.environ.get("METABASE_URL", "http://metabase:3000").rstrip("/")
    email = os.environ.get("METABASE_ADMIN_EMAIL", "admin@example.com")
    password = os.environ["METABASE_ADMIN_PASSWORD"]
    _wait_healthy(base)
    properties = _call(base, "GET", "/api/session/properties")
    database = {"engine": "postgres", "name": DATABASE_NAME, "details": warehouse_details(), "is_full_sync": True}
    token = properties.get("setup-token")
    if token and not properties.get("has-user-setup"):
        _call(
            base,
            "POST",
            "/api/setup",
            {
                "token": token,
                "user": {"email": email, "password": password, "first_name": "Admin", "last_name": "BI"},
                "prefs": {"site_name": "Service quality", "allow_tracking": False},
                "database": database,
            },
        )
        print(f"metabase-setup: admin {email} created; warehouse connected as bi_reader")
        return 0
    session = _call(base, "POST", "/api/session", {"username": email, "password": password})["id"]
    existing = _call(base, "GET", "/api/database", session=session)
    rows = existing.get("data", []) if isinstance(existing, dict) else existing
    if any(db.get("name") == DATABASE_NAME for db in rows):
        print("metabase-setup: already set up; warehouse connection present")
        return 0
    _call(base, "POST", "/api/database", database, session=session)
    print("metabase-setup: warehouse connected as bi_reader")
    return 0


if __name__ == "__main__":
    sys.exit(main())
