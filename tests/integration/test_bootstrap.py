"""The warehouse bootstrap on a real PostgreSQL: schemas, roles, least privilege, migrations, idempotency."""

from __future__ import annotations

import psycopg
import pytest

from service_quality.contracts import SOURCES
from service_quality.warehouse import bootstrap as bs

pytestmark = pytest.mark.integration


def _schemas(dsn) -> set[str]:
    with dsn.connect() as conn:
        return {r[0] for r in conn.execute("select schema_name from information_schema.schemata")}


def test_bootstrap_creates_every_schema_and_table(empty_db):
    applied = bs.bootstrap(empty_db)
    assert [m.version for m in applied] == [m.version for m in bs.migrations()]
    assert set(bs.SCHEMAS) <= _schemas(empty_db)
    with empty_db.connect() as conn:
        raw = {r[0] for r in conn.execute("select table_name from information_schema.tables where table_schema='raw'")}
        quarantine = {
            r[0]
            for r in conn.execute("select table_name from information_schema.tables where table_schema='quarantine'")
        }
    sources = set(SOURCES)  # the ten of the contracts, appeals (0055) included
    assert "appeals" in sources
    # besides the sources: the survey comment themes the tagging task of ingest_surveys writes (0054)
    assert raw == sources | {"survey_comments_tagged", "survey_comment_themes", "survey_comment_lemmas"}
    assert quarantine == sources


def test_bootstrap_is_idempotent(empty_db):
    bs.bootstrap(empty_db)
    with empty_db.connect() as conn:
        before = conn.execute("select version, checksum, applied_at from ops.schema_migrations order by 1").fetchall()
    assert bs.bootstrap(empty_db) == []
    assert bs.bootstrap(empty_db) == []
    with empty_db.connect() as conn:
        after = conn.execute("select version, checksum, applied_at from ops.schema_migrations order by 1").fetchall()
    assert after == before


def test_edited_migration_is_refused(empty_db, tmp_path, monkeypatch):
    bs.bootstrap(empty_db)
    first = bs.migrations()[0]
    edited = tmp_path / first.path.name
    edited.write_text(first.sql + "\n-- edited\n")
    monkeypatch.setattr(bs, "MIGRATIONS_DIR", tmp_path)
    with pytest.raises(RuntimeError, match="edited after it was applied"):
        bs.bootstrap(empty_db)


def _as_role(dsn, role: str, query: str):
    with dsn.connect() as conn:
        conn.execute(f"set role {role}")
        return conn.execute(query).fetchall()


def test_bi_reader_reads_marts_only(warehouse):
    with warehouse.connect() as conn:
        conn.execute("set role transformer")
        # Tables created after the bootstrap, as dbt does, are readable by the BI role.
        conn.execute("create table service_quality.later_mart as select 1 as n")
        conn.execute("create table attestation.later_result as select 2 as n")
        conn.execute("create table staging.later_view as select 3 as n")
        conn.commit()
    assert _as_role(warehouse, "bi_reader", "select n from service_quality.later_mart") == [(1,)]
    assert _as_role(warehouse, "bi_reader", "select n from attestation.later_result") == [(2,)]
    for forbidden in ("raw.sales", "ops.deliveries", "quarantine.sales", "staging.later_view"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _as_role(warehouse, "bi_reader", f"select * from {forbidden}")


def test_loader_writes_raw_but_cannot_build_marts(warehouse):
    with warehouse.connect() as conn:
        conn.execute("set role loader")
        conn.execute(
            "insert into ops.deliveries (source, path, content_sha256, size_bytes, arrived_at, status)"
            " values ('stores', 'stores/a.csv', 'x', 1, now(), 'rejected')"
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("create table service_quality.nope (n int)")


def test_transformer_reads_raw_but_cannot_write_it(warehouse):
    assert _as_role(warehouse, "transformer", "select count(*) from raw.sales") == [(0,)]
    with warehouse.connect() as conn:
        conn.execute("set role transformer")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("delete from raw.sales")
