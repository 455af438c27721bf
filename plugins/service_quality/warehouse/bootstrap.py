"""Bootstrap the warehouse: schemas, roles with least privilege, then versioned migrations.

Everything here is idempotent: running it again on a bootstrapped warehouse changes nothing.
Schemas and grants are declared below; tables in ``raw``, ``quarantine`` and ``ops`` are created
only by the numbered files in ``migrations/``, applied once each, in order, and recorded in
``ops.schema_migrations`` with their checksum (an edited, already-applied migration is an error).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from psycopg import sql

from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

SCHEMAS = ("raw", "quarantine", "ops", "staging", "intermediate", "service_quality", "attestation")
LOADED_SCHEMAS = ("raw", "quarantine", "ops")
BUILT_SCHEMAS = ("staging", "intermediate", "service_quality", "attestation")
PUBLISHED_SCHEMAS = ("service_quality", "attestation")

LOADER, TRANSFORMER, BI_READER = "loader", "transformer", "bi_reader"
#: The operators' home in the Airflow UI reads as this role: ingestion bookkeeping (``ops``), which rule each
#: quarantined row broke (not its values: migration 0053), the data-quality marts (their dbt ``grants``) and
#: the attestation's period status (0053). Read-only; it writes nothing anywhere.
OPS_READER = "ops_reader"
OPS_READER_SCHEMAS = ("ops", "quarantine", "service_quality", "attestation")
ROLES = (LOADER, TRANSFORMER, BI_READER, OPS_READER)

# Serialises concurrent bootstraps (two DAG runs starting at once).
_ADVISORY_LOCK = 7_411_202_601


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def migrations() -> list[Migration]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        version, _, name = path.stem.partition("_")
        found.append(Migration(int(version), name, path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration versions in {MIGRATIONS_DIR}")
    return found


def _grant_statements(owner: str) -> list[sql.Composable]:
    """Least privilege: the loader writes what arrives, the transformer builds, the BI reader reads marts."""
    ident = sql.Identifier
    stmts: list[sql.Composable] = []
    for schema in SCHEMAS:
        stmts.append(sql.SQL("create schema if not exists {}").format(ident(schema)))
        stmts.append(sql.SQL("revoke all on schema {} from public").format(ident(schema)))
    for schema in LOADED_SCHEMAS:
        s = ident(schema)
        stmts += [
            sql.SQL("grant usage, create on schema {} to {}").format(s, ident(LOADER)),
            sql.SQL("grant select, insert, update, delete on all tables in schema {} to {}").format(s, ident(LOADER)),
            sql.SQL("grant usage, select on all sequences in schema {} to {}").format(s, ident(LOADER)),
            sql.SQL("grant usage on schema {} to {}").format(s, ident(TRANSFORMER)),
            sql.SQL("grant select on all tables in schema {} to {}").format(s, ident(TRANSFORMER)),
        ]
        for creator in {owner, LOADER}:
            stmts += [
                sql.SQL(
                    "alter default privileges for role {} in schema {} grant select, insert, update, delete on tables to {}"
                ).format(ident(creator), s, ident(LOADER)),
                sql.SQL(
                    "alter default privileges for role {} in schema {} grant usage, select on sequences to {}"
                ).format(ident(creator), s, ident(LOADER)),
                sql.SQL("alter default privileges for role {} in schema {} grant select on tables to {}").format(
                    ident(creator), s, ident(TRANSFORMER)
                ),
            ]
    for schema in BUILT_SCHEMAS:
        s = ident(schema)
        stmts += [
            sql.SQL("grant usage, create on schema {} to {}").format(s, ident(TRANSFORMER)),
            sql.SQL("grant select, insert, update, delete on all tables in schema {} to {}").format(
                s, ident(TRANSFORMER)
            ),
        ]
    for schema in PUBLISHED_SCHEMAS:
        s = ident(schema)
        stmts += [
            sql.SQL("grant usage on schema {} to {}").format(s, ident(BI_READER)),
            sql.SQL("grant select on all tables in schema {} to {}").format(s, ident(BI_READER)),
        ]
        # Tables created later (by dbt as the transformer, or by whoever bootstraps) are readable too.
        for creator in {owner, TRANSFORMER}:
            stmts.append(
                sql.SQL("alter default privileges for role {} in schema {} grant select on tables to {}").format(
                    ident(creator), s, ident(BI_READER)
                )
            )
    for schema in OPS_READER_SCHEMAS:
        stmts.append(sql.SQL("grant usage on schema {} to {}").format(ident(schema), ident(OPS_READER)))
    stmts.append(sql.SQL("grant select on all tables in schema ops to {}").format(ident(OPS_READER)))
    for creator in {owner, LOADER}:
        stmts.append(
            sql.SQL("alter default privileges for role {} in schema ops grant select on tables to {}").format(
                ident(creator), ident(OPS_READER)
            )
        )
    return stmts


def _ensure_roles(conn) -> None:
    for role in ROLES:
        exists = conn.execute("select 1 from pg_roles where rolname = %s", [role]).fetchone()
        if not exists:
            conn.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
    # The transformer reads what the loader wrote; dbt connecting as either role works.
    conn.execute(sql.SQL("grant {} to current_user").format(sql.Identifier(TRANSFORMER)))
    conn.execute(sql.SQL("grant {} to current_user").format(sql.Identifier(LOADER)))
    # The operators' home connects through the warehouse connection and reads as this role (``set role``).
    conn.execute(sql.SQL("grant {} to current_user").format(sql.Identifier(OPS_READER)))


def apply_migrations(conn) -> list[Migration]:
    """Apply pending migrations in order; returns the ones applied now."""
    conn.execute(
        """
        create table if not exists ops.schema_migrations (
            version     integer primary key,
            name        text not null,
            checksum    text not null,
            applied_at  timestamptz not null default now()
        )
        """
    )
    applied = dict(conn.execute("select version, checksum from ops.schema_migrations").fetchall())
    done = []
    for migration in migrations():
        if migration.version in applied:
            if applied[migration.version] != migration.checksum:
                raise RuntimeError(
                    f"migration {migration.path.name} was edited after it was applied; "
                    "add a new migration instead of changing an applied one"
                )
            continue
        log.info("applying migration %s", migration.path.name)
        conn.execute(migration.sql)
        conn.execute(
            "insert into ops.schema_migrations (version, name, checksum) values (%s, %s, %s)",
            [migration.version, migration.name, migration.checksum],
        )
        done.append(migration)
    return done


def bootstrap(dsn: WarehouseDsn) -> list[Migration]:
    """Create schemas and roles, grant privileges, apply migrations. Safe to run any number of times."""
    with dsn.connect() as conn, conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK])
        _ensure_roles(conn)
        owner = conn.execute("select current_user").fetchone()[0]
        for stmt in _grant_statements(owner):
            conn.execute(stmt)
        applied = apply_migrations(conn)
        # Grants again, so tables created by this run's migrations are covered as well.
        for schema in LOADED_SCHEMAS:
            s = sql.Identifier(schema)
            conn.execute(
                sql.SQL("grant select, insert, update, delete on all tables in schema {} to {}").format(
                    s, sql.Identifier(LOADER)
                )
            )
            conn.execute(
                sql.SQL("grant usage, select on all sequences in schema {} to {}").format(s, sql.Identifier(LOADER))
            )
            conn.execute(
                sql.SQL("grant select on all tables in schema {} to {}").format(s, sql.Identifier(TRANSFORMER))
            )
        conn.execute(sql.SQL("grant select on all tables in schema ops to {}").format(sql.Identifier(OPS_READER)))
    return applied
