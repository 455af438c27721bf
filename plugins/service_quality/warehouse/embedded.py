"""The embedded warehouse: a PostgreSQL server from the ``pgserver`` wheel, no system install needed.

Its data lives in ``.local/warehouse/pgdata`` (git-ignored) and survives restarts. It listens on
127.0.0.1 only, on ``SQW_EMBEDDED_PORT`` (default 54329, so it never collides with a system server).
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path

from service_quality.paths import EMBEDDED_PGDATA
from service_quality.warehouse.dsn import WarehouseDsn

DEFAULT_PORT = 54329
DBNAME = "warehouse"
SUPERUSER = "postgres"


def port() -> int:
    return int(os.environ.get("SQW_EMBEDDED_PORT", DEFAULT_PORT))


def dsn() -> WarehouseDsn:
    return WarehouseDsn("127.0.0.1", port(), SUPERUSER, "", DBNAME)


def _system_user() -> str | None:
    """PostgreSQL refuses to run as root; pgserver then runs it as a dedicated system user."""
    if os.geteuid() != 0:
        return None
    from pgserver.utils import ensure_user_exists

    ensure_user_exists("pgserver")
    return "pgserver"


def _pg(command: str, args: list[str], pgdata: Path) -> str:
    import logging

    from pgserver import _commands

    # pgserver logs every command line and its whole output at INFO; failures still reach us as exceptions.
    logging.getLogger("pgserver").setLevel(logging.WARNING)

    return getattr(_commands, command)(args, pgdata=pgdata, user=_system_user())


def _accepting(host: str, port_: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port_)) == 0


def is_running(pgdata: Path = EMBEDDED_PGDATA) -> bool:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError, PermissionError):
        return False
    return True


def _init(pgdata: Path) -> None:
    if (pgdata / "PG_VERSION").exists():
        return
    pgdata.mkdir(parents=True, exist_ok=True)
    user = _system_user()
    if user is not None:
        import pwd

        entry = pwd.getpwnam(user)
        # The server's user must be able to reach its data folder through our folders.
        for folder in [pgdata, *pgdata.parents]:
            if folder == Path(folder.anchor):
                break
            folder.chmod(folder.stat().st_mode | 0o011)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
        pgdata.chmod(0o700)
    _pg("initdb", ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", SUPERUSER], pgdata)
    with (pgdata / "postgresql.conf").open("a") as conf:
        conf.write(
            "\n# service-quality warehouse (embedded)\n"
            "listen_addresses = '127.0.0.1'\n"
            "unix_socket_directories = ''\n"
            "max_connections = 100\n"
            "shared_buffers = '256MB'\n"
            "work_mem = '32MB'\n"
            "maintenance_work_mem = '256MB'\n"
            "max_wal_size = '2GB'\n"
            "timezone = 'UTC'\n"
        )


def start(pgdata: Path = EMBEDDED_PGDATA) -> WarehouseDsn:
    """Initialise (first time) and start the embedded server; create the warehouse database. Idempotent."""
    target = dsn()
    if not is_running(pgdata):
        _init(pgdata)
        log = pgdata.parent / "server.log"
        log.touch()
        user = _system_user()
        if user is not None:
            import pwd

            entry = pwd.getpwnam(user)
            os.chown(log, entry.pw_uid, entry.pw_gid)
        _pg("pg_ctl", ["-w", "-t", "60", "-l", str(log), "-o", f"-p {target.port}", "start"], pgdata)
    deadline = time.monotonic() + 30
    while not _accepting(target.host, target.port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded warehouse did not accept connections on port {target.port}")
        time.sleep(0.2)
    _ensure_database(target)
    return target


def _ensure_database(target: WarehouseDsn) -> None:
    import psycopg

    with target.with_dbname("postgres").connect(autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", [target.dbname]).fetchone()
        if not exists:
            conn.execute(psycopg.sql.SQL("create database {}").format(psycopg.sql.Identifier(target.dbname)))


def stop(pgdata: Path = EMBEDDED_PGDATA) -> bool:
    """Stop the server if it runs. Returns whether it was running."""
    if not is_running(pgdata):
        return False
    _pg("pg_ctl", ["-w", "-m", "fast", "stop"], pgdata)
    return True


def reset(pgdata: Path = EMBEDDED_PGDATA) -> None:
    """Stop the server and delete its data."""
    stop(pgdata)
    shutil.rmtree(pgdata.parent, ignore_errors=True)
