"""Task-instance host names that tell apart several Celery workers on one machine.

Airflow records ``task_instance.hostname`` with the callable configured as
``[core] hostname_callable``. Two workers on the same host would both record the host's FQDN, so
"which worker ran this task" could not be answered. Point the setting at :func:`worker_hostname`
and give each worker ``SQW_WORKER_NAME`` (the same name as its ``--celery-hostname`` prefix).
"""

from __future__ import annotations

import os
import socket

ENV_VAR = "SQW_WORKER_NAME"


def worker_hostname() -> str:
    """``<worker>@<fqdn>`` when ``SQW_WORKER_NAME`` is set, else the FQDN (Airflow's default)."""
    fqdn = socket.getfqdn()
    name = os.environ.get(ENV_VAR, "").strip()
    return f"{name}@{fqdn}" if name else fqdn
