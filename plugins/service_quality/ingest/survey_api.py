"""Pull survey responses from the survey platform's HTTP JSON API, incrementally by data interval.

Protocol (the platform's ``GET /responses``): query ``updated_from`` / ``updated_to`` (ISO 8601, the run's
data interval, half-open), ``limit`` and ``cursor``; bearer token in ``Authorization``; the answer is
``{"data": [<response>, ...], "next_cursor": "<opaque>" | null}``. Each response object has the
``surveys`` contract's fields.

Why pages go through the landing zone: every page is written as a JSON Lines file under
``<landing_root>/surveys/api/YYYY/MM/DD/`` *before* it is loaded, then loaded exactly like a delivered file.
So an API pull is archived, deduplicated by content hash, validated, quarantined and replayable like any
other delivery, and a rerun of the same interval writes the same pages and loads nothing twice.

429 and 5xx answers (and dropped connections) are retried with exponential backoff, honouring
``Retry-After``; other errors stop the pull with the status and the platform's message.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service_quality.ingest import landing
from service_quality.ingest.errors import SurveyApiError
from service_quality.ingest.settings import IngestSettings
from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)

CONN_ID = "survey_api"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class SurveyApi:
    base_url: str
    token: str
    page_size: int = 500
    max_attempts: int = 6
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0
    timeout_seconds: float = 30.0

    @classmethod
    def from_airflow(cls, conn_id: str = CONN_ID) -> SurveyApi:
        """From the Airflow connection: host (a URL, or host + port + schema as scheme) and password = token."""
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(conn_id)
        extra = conn.extra_dejson or {}
        base = extra.get("base_url") or conn.host or ""
        if "://" not in base:
            scheme = conn.schema or "https"
            base = f"{scheme}://{base}" + (f":{conn.port}" if conn.port else "")
        if not conn.password:
            raise SurveyApiError(f"connection {conn_id!r} has no password: put the API's bearer token there")
        return cls(base_url=base.rstrip("/"), token=conn.password, page_size=int(extra.get("page_size", 500)))

    def get_page(self, start: datetime, end: datetime, cursor: str | None) -> dict[str, Any]:
        params = {"updated_from": start.isoformat(), "updated_to": end.isoformat(), "limit": str(self.page_size)}
        if cursor:
            params["cursor"] = cursor
        url = f"{self.base_url}/responses?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        )
        for attempt in range(1, self.max_attempts + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                    return json.loads(response.read().decode("utf-8"))
            except urllib.error.HTTPError as exc:
                body = exc.read().decode("utf-8", "replace")[:300]
                if exc.code not in RETRY_STATUSES or attempt == self.max_attempts:
                    raise SurveyApiError(
                        f"survey API {url}: HTTP {exc.code} after {attempt} attempt(s): {body or exc.reason}"
                    ) from None
                wait = self._wait(attempt, exc.headers.get("Retry-After"))
                log.warning("survey API HTTP %s; retrying in %.1fs (attempt %s)", exc.code, wait, attempt)
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                if attempt == self.max_attempts:
                    raise SurveyApiError(f"survey API {url}: unreachable after {attempt} attempts: {exc}") from None
                wait = self._wait(attempt, None)
                log.warning("survey API unreachable (%s); retrying in %.1fs", exc, wait)
            time.sleep(wait)
        raise AssertionError("unreachable")

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), self.max_backoff_seconds)
            except ValueError:
                pass
        return min(self.backoff_seconds * 2 ** (attempt - 1), self.max_backoff_seconds)


def page_path(start: datetime, end: datetime, page: int) -> str:
    """Landing path of one page: deterministic per interval and page, so a rerun rewrites the same file."""
    stamp = f"{start:%Y%m%dT%H%M%S}_{end:%Y%m%dT%H%M%S}"
    return f"surveys/api/{start:%Y/%m/%d}/responses_{stamp}_p{page:04d}.jsonl"


def pull(
    api: SurveyApi,
    start: datetime,
    end: datetime,
    dsn: WarehouseDsn,
    settings: IngestSettings | None = None,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> list[dict[str, Any]]:
    """Fetch every page for [start, end), land each as a JSONL file, load it; returns the load results."""
    from service_quality.contracts import contract
    from service_quality.ingest.landing import Delivery, as_path, sha256_of
    from service_quality.ingest.load import load_file

    settings = settings or IngestSettings()
    root = as_path(settings.landing_root)
    results: list[dict[str, Any]] = []
    cursor: str | None = None
    page = 0
    while True:
        body = api.get_page(start, end, cursor)
        records = body.get("data")
        if not isinstance(records, list):
            raise SurveyApiError(f"survey API answered without a 'data' list: {str(body)[:200]}")
        if records:
            page += 1
            rel = page_path(start, end, page)
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            payload = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
            with target.open("wb") as fh:
                fh.write(payload.encode("utf-8"))
            sha, size = sha256_of(target)
            arrived = datetime.fromtimestamp(landing._mtime(target), tz=start.tzinfo).isoformat()
            delivery = Delivery("surveys", rel, str(target), sha, size, arrived)
            result = load_file(contract("surveys").source, delivery, dsn, settings, dag_id=dag_id, run_id=run_id)
            results.append(result.to_dict())
        cursor = body.get("next_cursor")
        if not cursor:
            break
    log.info(
        "survey API %s .. %s: %s pages, %s responses loaded", start, end, page, sum(r["rows_loaded"] for r in results)
    )
    return results
