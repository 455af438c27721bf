"""Manage the warehouse: the embedded server (start, stop, reset, status) and the bootstrap."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=["start", "stop", "reset", "status", "bootstrap", "uri"],
        help="start/stop/reset the embedded server; bootstrap schemas, roles and migrations; print the warehouse URI",
    )


def run(args: argparse.Namespace) -> int:
    from service_quality.warehouse import bootstrap, connection, embedded

    if args.action == "start":
        dsn = embedded.start()
        print(f"embedded warehouse running: {dsn.uri}")
    elif args.action == "stop":
        print("embedded warehouse stopped" if embedded.stop() else "embedded warehouse was not running")
    elif args.action == "reset":
        embedded.reset()
        print("embedded warehouse stopped and its data deleted")
    elif args.action == "status":
        configured = connection.configured()
        if configured is not None:
            print(
                f"configured warehouse (AIRFLOW_CONN_WAREHOUSE): {configured.host}:{configured.port}/{configured.dbname}"
            )
        state = "running" if embedded.is_running() else "stopped"
        print(f"embedded warehouse: {state} ({embedded.dsn().uri})")
    elif args.action == "bootstrap":
        dsn = connection.resolve()
        applied = bootstrap.bootstrap(dsn)
        names = ", ".join(m.path.name for m in applied) or "none pending"
        print(f"warehouse bootstrapped at {dsn.host}:{dsn.port}/{dsn.dbname}; migrations applied: {names}")
    elif args.action == "uri":
        print(connection.resolve().uri)
    return 0
