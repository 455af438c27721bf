"""What every DAG shares: the owner, retries, and the failure alert.

One place, so a new DAG cannot forget the alert and an operator changes the retry policy once.
Importing this is cheap (no database, no heavy modules): DAG files import it at parse time.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from service_quality.deploy.alerts import on_failure

OWNER = "data-platform"


def default_args(retries: int = 2, **overrides: Any) -> dict[str, Any]:
    """``default_args`` for a DAG: owner, ``retries`` with a short backoff, and ``on_failure`` alerts."""
    return {
        "owner": OWNER,
        "retries": retries,
        "retry_delay": timedelta(seconds=20),
        "retry_exponential_backoff": True,
        "on_failure_callback": on_failure,
        **overrides,
    }
