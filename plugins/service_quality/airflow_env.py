"""The environment of the project-local Airflow, in one place.

``sqw airflow-env`` prints it as ``export`` lines (the Makefile sources them); the run command and
the tests call :func:`environment`. Anything already set in the caller's environment wins, so a
real deployment configures Airflow the usual way and this only fills in local defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
from pathlib import Path

from service_quality.paths import AIRFLOW_HOME, DAGS_DIR, LINEAGE_DIR, PLUGINS_DIR, ROOT

#: Nothing in the pipeline may call home: Cosmos, Scarf, dbt, GX and Airflow's own usage data are off.
TELEMETRY_OFF = {
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
    "SCARF_ANALYTICS": "false",
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "GX_ANALYTICS_ENABLED": "False",
}


#: Cosmos's watcher producer keeps, for its own retry, a copy of what it pushed to XCom. By default it
#: rewrites that copy to an Airflow Variable after every push (a few hundred writes of a growing value
#: per build, each one holding dbt's progress back); off, the copy is written once, when the producer
#: fails, which is when a retry needs it.
COSMOS_SETTINGS = {"AIRFLOW__COSMOS__ENABLE_WATCHER_RELIABLE_RETRY": "False"}


#: Cosmos's watcher sensors only mirror what the producer reports; the producer emits each dbt model as an
#: OpenLineage job of its own (``service_quality.lineage.dbt_runs``), so the sensors' events would be a second,
#: dataset-less copy of every model and a hundred more events per transform run.
WATCHER_SENSORS = r"cosmos\.operators\.watcher\.Dbt(Run|Test|Seed|Snapshot|Source)WatcherOperator"
QUIET_WATCHER_SENSORS = {"scope": {"operator": WATCHER_SENSORS}, "match_mode": "regex", "controls": {"emit": False}}


def lineage_file() -> Path:
    """Where the local runs' OpenLineage events go, one JSON event a line."""
    return LINEAGE_DIR / "events.jsonl"


def lineage_settings() -> dict[str, str]:
    """Airflow's ``[openlineage]`` section for local runs: events to a file under ``.local/lineage/``.

    A deployment sets its own transport (``AIRFLOW__OPENLINEAGE__TRANSPORT``, e.g. HTTP to Marquez, see
    docker-compose.yml) or switches lineage off with ``AIRFLOW__OPENLINEAGE__DISABLED=true``.
    """
    return {
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "service_quality",
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(lineage_file()), "append": True}
        ),
        "AIRFLOW__OPENLINEAGE__EMISSION_POLICY": json.dumps([QUIET_WATCHER_SENSORS]),
        # The listener emits from a forked child and kills it after this many seconds; on a busy 2-core
        # machine the default 10 s can cut an event off.
        "AIRFLOW__OPENLINEAGE__EXECUTION_TIMEOUT": "60",
    }


def prepare_lineage(env: dict[str, str]) -> None:
    """Create the folder of each file transport (the client does not): the local default, one set by hand, or one
    inside a composite transport."""
    if env.get("AIRFLOW__OPENLINEAGE__DISABLED", "").lower() in ("true", "1"):
        return
    try:
        transport = json.loads(env.get("AIRFLOW__OPENLINEAGE__TRANSPORT") or "{}")
    except ValueError:
        return
    inner = transport.get("transports") or []  # a composite transport: its file transports
    for config in [transport, *(inner.values() if isinstance(inner, dict) else inner)]:
        if isinstance(config, dict) and config.get("type") == "file" and config.get("log_file_path"):
            Path(config["log_file_path"]).parent.mkdir(parents=True, exist_ok=True)


def defaults() -> dict[str, str]:
    from service_quality.warehouse import embedded

    home = AIRFLOW_HOME
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "8",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        # Local only: everyone is an admin without a login, so the API server listens on this machine alone
        # (a deployment configures users and its own host: docker-compose.yml, docs/security.md).
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__API__PORT": "8080",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW_CONN_WAREHOUSE": embedded.dsn().airflow_uri,
        "PYTHONPATH": os.pathsep.join(p for p in (str(PLUGINS_DIR), os.environ.get("PYTHONPATH", "")) if p),
        "SQW_ROOT": str(ROOT),
        **TELEMETRY_OFF,
        **COSMOS_SETTINGS,
        **lineage_settings(),
    }


def environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) completed with the local Airflow defaults."""
    env = dict(os.environ if base is None else base)
    for key, value in defaults().items():
        env.setdefault(key, value)
    return env


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only-defaults", action="store_true", help="ignore the current environment")
    parser.add_argument(
        "--metadata-url",
        action="store_true",
        help="print the local Airflow metadata database that `sqw run`, `make demo` and `make airflow` share",
    )


def run(args: argparse.Namespace) -> int:
    if args.metadata_url:
        from service_quality.orchestrate.airflow_runtime import metadata_database

        print(metadata_database(environment()))
        return 0
    env = defaults() if args.only_defaults else {k: environment()[k] for k in defaults()}
    prepare_lineage(env)
    for key, value in env.items():
        print(f"export {key}={shlex.quote(value)}")
    return 0
