"""What every DAG shares: the owner, retries, and the failure alert.

One place, so a new DAG cannot forget the alert and an operator changes the retry policy once.
Importing this is cheap (no database, no heavy modules): DAG files import it at parse time.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from service_quality.alerts import on_failure

OWNER = "data-platform"

#: Overrides every DAG's ``retries`` when set. Benchmarks set it to 0: a measured run must end with its
#: first failure instead of including a retry delay. Deployments leave it unset.
RETRIES_ENV = "SQW_DAG_RETRIES"


def default_args(retries: int = 2, **overrides: Any) -> dict[str, Any]:
    """``default_args`` for a DAG: owner, ``retries`` with a short backoff, and ``on_failure`` alerts."""
    override = os.environ.get(RETRIES_ENV)
    return {
        "owner": OWNER,
        "retries": int(override) if override else retries,
        "retry_delay": timedelta(seconds=20),
        "retry_exponential_backoff": True,
        "on_failure_callback": on_failure,
        **overrides,
    }
