"""The environment of the project-local Airflow, in one place.

``sqw airflow-env`` prints it as ``export`` lines (the Makefile sources them); the run command and
the tests call :func:`environment`. Anything already set in the caller's environment wins, so a
real deployment configures Airflow the usual way and this only fills in local defaults.
"""

from __future__ import annotations

import argparse
import os
import shlex

from service_quality.paths import AIRFLOW_HOME, DAGS_DIR, PLUGINS_DIR, ROOT

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
    for key, value in env.items():
        print(f"export {key}={shlex.quote(value)}")
    return 0
