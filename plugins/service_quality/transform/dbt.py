"""Run the dbt project against a warehouse, outside Airflow: tests, benchmarks, the command line.

The dbt profile (``dbt_project/profiles.yml``) reads the connection from ``SQW_DBT_*`` environment
variables, so no credential is ever written to the repository; :func:`dbt_env` derives them from a
:class:`~service_quality.warehouse.connection.WarehouseDsn`. Under Airflow, Cosmos builds the profile
from the ``warehouse`` connection instead (``service_quality.transform.cosmos``).

dbt runs as a subprocess by default: each invocation gets a clean process (dbt keeps global state
between in-process runs) and the caller's environment is left untouched. ``in_process=True`` uses
``dbtRunner`` for callers that run dbt many times and want to skip the interpreter start-up.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from service_quality.paths import DBT_PROJECT_DIR
from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)

#: dbt must never call home, whichever way it is started.
TELEMETRY_OFF = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "DO_NOT_TRACK": "1"}


@dataclass
class DbtResult:
    """What a dbt invocation did: its arguments, exit status, output and wall time."""

    args: list[str]
    returncode: int
    output: str
    seconds: float
    results: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def failures(self) -> list[str]:
        """The lines of dbt's output that name a failed node, for error messages."""
        markers = ("ERROR", "FAIL ", "Failure in", "Database Error", "Compilation Error", "Runtime Error")
        return [line for line in self.output.splitlines() if any(m in line for m in markers)]


class DbtError(RuntimeError):
    """dbt exited non-zero; the message carries the failing nodes and the tail of the log."""


def dbt_env(dsn: WarehouseDsn, threads: int | None = None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment profiles.yml reads: the connection, the thread count, telemetry off."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "SQW_DBT_HOST": dsn.host,
            "SQW_DBT_PORT": str(dsn.port),
            "SQW_DBT_USER": dsn.user,
            "SQW_DBT_PASSWORD": dsn.password,
            "SQW_DBT_DBNAME": dsn.dbname,
            **TELEMETRY_OFF,
        }
    )
    if threads is not None:
        env["SQW_DBT_THREADS"] = str(threads)
    return env


def _dbt_executable() -> str:
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


def _common_args(project_dir: Path, target_path: Path | None) -> list[str]:
    args = ["--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
    if target_path is not None:
        args += ["--target-path", str(target_path)]
    return args


def run_dbt(
    dsn: WarehouseDsn,
    command: Sequence[str],
    *,
    project_dir: Path = DBT_PROJECT_DIR,
    target_path: Path | None = None,
    threads: int | None = None,
    in_process: bool = False,
    check: bool = True,
) -> DbtResult:
    """Run ``dbt <command...>`` against ``dsn``; raise :class:`DbtError` on failure when ``check``.

    ``command`` is the dbt sub-command with its own options, e.g. ``["build", "--select", "staging"]``.
    """
    args = [*command, *_common_args(Path(project_dir), target_path), "--no-send-anonymous-usage-stats"]
    env = dbt_env(dsn, threads)
    started = time.perf_counter()
    if in_process:
        result = _run_in_process(args, env)
    else:
        completed = subprocess.run(
            [_dbt_executable(), "--no-use-colors", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=project_dir,
        )
        result = DbtResult(args, completed.returncode, completed.stdout + completed.stderr, 0.0)
    result.seconds = time.perf_counter() - started
    log.info("dbt %s: exit %s in %.1f s", " ".join(command), result.returncode, result.seconds)
    if check and not result.ok:
        tail = "\n".join(result.output.strip().splitlines()[-30:])
        raise DbtError(
            f"dbt {' '.join(command)} failed (exit {result.returncode}) in project {project_dir}; "
            f"fix the model or test named below and rerun:\n{tail}"
        )
    return result


def _run_in_process(args: list[str], env: Mapping[str, str]) -> DbtResult:
    """dbtRunner in this process, with the profile's variables set only for the call."""
    from dbt.cli.main import dbtRunner

    keys = [k for k in env if k.startswith("SQW_DBT_") or k in TELEMETRY_OFF]
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update({k: env[k] for k in keys})
    try:
        outcome = dbtRunner().invoke(args)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    results = []
    if outcome.result is not None and hasattr(outcome.result, "results"):
        for node_result in outcome.result.results:
            results.append({"node": node_result.node.unique_id, "status": str(node_result.status)})
    output = str(outcome.exception) if outcome.exception else ""
    output += "\n".join(f"{r['status'].upper()} {r['node']}" for r in results)
    return DbtResult(args, 0 if outcome.success else 1, output, 0.0, results)


def build(
    dsn: WarehouseDsn,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
    *,
    full_refresh: bool = False,
    extra: Sequence[str] = (),
    **kwargs,
) -> DbtResult:
    """``dbt build`` (seeds, models, their tests and unit tests) for the selection."""
    command = ["build"]
    if select:
        command += ["--select", *select]
    if exclude:
        command += ["--exclude", *exclude]
    if full_refresh:
        command.append("--full-refresh")
    command += list(extra)
    return run_dbt(dsn, command, **kwargs)


#: The service-quality part of the project: everything the service-quality marts are built from.
SERVICE_QUALITY_SELECTION = ("+path:models/marts/service_quality",)
