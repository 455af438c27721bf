"""Publish a period's attestation results as a frozen revision.

The dbt models ``attestation.scorecards`` / ``components`` / ``awards`` are rebuilt on every run; what
HR, staff and BI read must not move under them. Publishing copies one period's rows into the
append-only ``attestation.published_*`` tables under a new revision number, unless the period's inputs
checksum equals the latest revision's: then nothing is added and the current revision stands.

**Inputs checksum.** SHA-256 over the methodology version and, per model, the period's rows as built,
each row serialised as JSON with sorted keys, the rows sorted. The components rows carry the scoring
inputs (each component's observations, raw and shrunk value); the scorecards and awards rows carry what
follows from them. So "unchanged inputs" means "nothing a reader would see has changed", and any change
that reaches the period's results (a late survey, a corrected visit status, a renamed employee) changes
it. Floating-point columns are rounded to 9 decimals and timestamp columns are left out, so rebuilding
the same data twice gives the same checksum.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from service_quality.attestation.periods import Period

if TYPE_CHECKING:  # pragma: no cover
    import psycopg

log = logging.getLogger(__name__)

SCHEMA = "attestation"
#: built model -> (published table, natural key used in error messages)
MODELS: dict[str, str] = {
    "scorecards": "published_scorecards",
    "components": "published_components",
    "awards": "published_awards",
}
_REVISION_KEY = ("period_type", "period_label", "revision")
_FLOAT_TYPES = {"double precision", "real"}
_TIME_TYPES = {"timestamp with time zone", "timestamp without time zone", "time with time zone"}
# Advisory-lock namespace: publications of one period are serialised (two DAG runs, a manual rerun).
_LOCK_NAMESPACE = 74_112_050


class PublicationError(RuntimeError):
    """The built results cannot be published as they are; the message says what to fix."""


class NothingToAttest(PublicationError):
    """The period has no scorecard at all: no customer-facing employee was assigned in it."""


@dataclass(frozen=True)
class Publication:
    period: Period
    revision: int
    created: bool
    inputs_checksum: str
    methodology_version: str
    published_at: datetime
    scorecard_rows: int
    component_rows: int
    award_rows: int

    def message(self) -> str:
        if self.created:
            return (
                f"{self.period}: published revision {self.revision} "
                f"({self.scorecard_rows} scorecards, {self.component_rows} components, {self.award_rows} awards; "
                f"methodology {self.methodology_version}, inputs {self.inputs_checksum[:12]})"
            )
        return (
            f"{self.period}: inputs unchanged (checksum {self.inputs_checksum[:12]}); "
            f"revision {self.revision} of {self.published_at:%Y-%m-%d %H:%M} UTC stands"
        )

    def as_dict(self) -> dict:
        return {
            "period_type": self.period.period_type,
            "period_label": self.period.label,
            "revision": self.revision,
            "created": self.created,
            "inputs_checksum": self.inputs_checksum,
            "methodology_version": self.methodology_version,
            "published_at": self.published_at.isoformat(),
        }


def columns(conn: psycopg.Connection, table: str, schema: str = SCHEMA) -> list[tuple[str, str]]:
    """(column, data type) of a table or view, in table order."""
    rows = conn.execute(
        """
        select column_name, data_type from information_schema.columns
        where table_schema = %s and table_name = %s order by ordinal_position
        """,
        [schema, table],
    ).fetchall()
    return [(name, dtype) for name, dtype in rows]


def _model_columns(conn: psycopg.Connection, model: str) -> list[tuple[str, str]]:
    found = columns(conn, model)
    if not found:
        raise PublicationError(
            f"{SCHEMA}.{model} does not exist: build the attestation models first "
            "(dbt build --select +marts.attestation), then publish"
        )
    missing = {"period_type", "period_label"} - {name for name, _ in found}
    if missing:
        raise PublicationError(f"{SCHEMA}.{model} lacks column(s) {sorted(missing)}: it cannot be split by period")
    return found


def _model_checksum(conn: psycopg.Connection, model: str, period: Period) -> tuple[int, str]:
    from psycopg import sql

    select_list = []
    for name, dtype in _model_columns(conn, model):
        if dtype in _TIME_TYPES:
            continue  # build times differ between identical rebuilds
        ident = sql.Identifier(name)
        if dtype in _FLOAT_TYPES:
            select_list.append(sql.SQL("round({}::numeric, 9) as {}").format(ident, ident))
        else:
            select_list.append(ident)
    query = sql.SQL(
        """
        select count(*), coalesce(encode(sha256(convert_to(string_agg(r, E'\\n' order by r), 'UTF8')), 'hex'), '')
        from (
            select to_jsonb(x)::text as r
            from (select {cols} from {table} where period_type = %s and period_label = %s) as x
        ) as rows
        """
    ).format(cols=sql.SQL(", ").join(select_list), table=sql.Identifier(SCHEMA, model))
    count, digest = conn.execute(query, [period.period_type, period.label]).fetchone()
    return int(count), digest


def _methodology_version(conn: psycopg.Connection, period: Period) -> str:
    if "methodology_version" not in {name for name, _ in _model_columns(conn, "scorecards")}:
        raise PublicationError(f"{SCHEMA}.scorecards has no methodology_version column: a revision must name it")
    versions = [
        r[0]
        for r in conn.execute(
            "select distinct methodology_version::text from attestation.scorecards "
            "where period_type = %s and period_label = %s",
            [period.period_type, period.label],
        )
    ]
    if not versions:
        raise NothingToAttest(
            f"{SCHEMA}.scorecards has no rows for {period}: nothing to attest. Check that the period's "
            "employees, assignments and facts were ingested (ops.deliveries) and the models were rebuilt"
        )
    if len(versions) != 1 or versions[0] is None:
        raise PublicationError(
            f"{SCHEMA}.scorecards rows for {period} carry methodology versions {versions}: "
            "exactly one is required; rebuild the models with a single methodology version"
        )
    return versions[0]


def inputs_checksum(conn: psycopg.Connection, period: Period) -> tuple[str, str, dict[str, int]]:
    """(checksum, methodology version, rows per model) of the period's built results."""
    version = _methodology_version(conn, period)
    digest = hashlib.sha256(f"methodology_version={version}\n".encode())
    counts: dict[str, int] = {}
    for model in MODELS:
        count, model_digest = _model_checksum(conn, model, period)
        counts[model] = count
        digest.update(f"{model}:{count}:{model_digest}\n".encode())
    return digest.hexdigest(), version, counts


def _copy_rows(conn: psycopg.Connection, model: str, period: Period, revision: int) -> int:
    """Copy the period's rows of ``attestation.<model>`` into its published table under ``revision``.

    Columns are matched by name; model columns the published table does not know yet go whole into
    ``_extra`` (jsonb), so a model that gains a column never blocks publication or loses data.
    """
    from psycopg import sql

    published = MODELS[model]
    target_cols = [name for name, _ in columns(conn, published) if name not in (*_REVISION_KEY, "_extra")]
    source_cols = [name for name, _ in _model_columns(conn, model)]
    shared = [c for c in target_cols if c in source_cols]
    known = [*shared, "period_type", "period_label"]
    insert_cols = [*_REVISION_KEY, *shared, "_extra"]
    select_list = [
        sql.Identifier("period_type"),
        sql.Identifier("period_label"),
        sql.Literal(revision),
        *(sql.Identifier("m", c) for c in shared),
        sql.SQL("nullif(to_jsonb(m) - {}::text[], '{{}}'::jsonb)").format(sql.Literal(known)),
    ]
    query = sql.SQL("insert into {target} ({cols}) select {select} from {source} as m {where}").format(
        target=sql.Identifier(SCHEMA, published),
        cols=sql.SQL(", ").join(map(sql.Identifier, insert_cols)),
        select=sql.SQL(", ").join(select_list),
        source=sql.Identifier(SCHEMA, model),
        where=sql.SQL("where m.period_type = %s and m.period_label = %s"),
    )
    return conn.execute(query, [period.period_type, period.label]).rowcount


def publish(
    conn: psycopg.Connection,
    period: Period,
    *,
    run_id: str,
    dag_id: str | None = None,
    inputs_as_of: datetime | None = None,
) -> Publication:
    """Publish ``period`` from the built models: a new revision when its inputs changed, else nothing.

    Runs in one transaction (committed here): either the revision and all its rows exist, or nothing.
    ``inputs_as_of`` is when the build that produced the rows started; deliveries processed after it
    are late for this revision (see :mod:`service_quality.attestation.late`). Defaults to now.
    """
    with conn.transaction():
        conn.execute(
            "select pg_advisory_xact_lock(%s::int, hashtext(%s))",
            [_LOCK_NAMESPACE, f"{period.period_type}:{period.label}"],
        )
        as_of = inputs_as_of or conn.execute("select now()").fetchone()[0]
        checksum, version, counts = inputs_checksum(conn, period)
        latest = conn.execute(
            """
            select revision, inputs_checksum, published_at, methodology_version,
                   scorecard_rows, component_rows, award_rows
            from attestation.revisions where period_type = %s and period_label = %s
            order by revision desc limit 1
            """,
            [period.period_type, period.label],
        ).fetchone()
        if latest is not None and latest[1] == checksum:
            revision, _, published_at, version, n_scorecards, n_components, n_awards = latest
            created = False
            log.info("%s: inputs unchanged, revision %s stands", period, revision)
        else:
            revision = 1 if latest is None else latest[0] + 1
            published_at = conn.execute(
                """
                insert into attestation.revisions (
                    period_type, period_label, revision, run_id, dag_id, inputs_as_of, methodology_version,
                    inputs_checksum, scorecard_rows, component_rows, award_rows
                ) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                returning published_at
                """,
                [
                    period.period_type,
                    period.label,
                    revision,
                    run_id,
                    dag_id,
                    as_of,
                    version,
                    checksum,
                    counts["scorecards"],
                    counts["components"],
                    counts["awards"],
                ],
            ).fetchone()[0]
            copied = {model: _copy_rows(conn, model, period, revision) for model in MODELS}
            if copied != counts:  # the models changed under us: the lock above does not cover dbt
                raise PublicationError(
                    f"{period}: rows changed while publishing (counted {counts}, copied {copied}); "
                    "another build ran at the same time: rerun the publication"
                )
            n_scorecards, n_components, n_awards = counts["scorecards"], counts["components"], counts["awards"]
            created = True
            log.info("%s: published revision %s", period, revision)
        # The run attested the period: whatever was pending is now covered by the current revision. A
        # rerun that changes nothing (same revision, nothing pending) writes nothing, so rerunning a DAG
        # run leaves the warehouse byte-identical.
        conn.execute(
            """
            insert into attestation.period_status as s (
                period_type, period_label, status, current_revision, last_run_id, last_checked_at,
                inputs_as_of, pending_since, late_deliveries, late_rows
            ) values (%s, %s, 'published', %s, %s, now(), %s, null, '{}', 0)
            on conflict (period_type, period_label) do update set
                status = 'published', current_revision = excluded.current_revision,
                last_run_id = excluded.last_run_id, last_checked_at = excluded.last_checked_at,
                inputs_as_of = greatest(s.inputs_as_of, excluded.inputs_as_of),
                pending_since = null, late_deliveries = '{}', late_rows = 0
            where s.status <> 'published' or s.current_revision <> excluded.current_revision
            """,
            [period.period_type, period.label, revision, run_id, as_of],
        )
    return Publication(
        period=period,
        revision=revision,
        created=created,
        inputs_checksum=checksum,
        methodology_version=version,
        published_at=published_at,
        scorecard_rows=n_scorecards,
        component_rows=n_components,
        award_rows=n_awards,
    )


def pending_periods(conn: psycopg.Connection) -> list[Period]:
    """Published periods marked ``revision_pending`` (late data arrived after their revision)."""
    from service_quality.attestation.periods import parse

    rows = conn.execute(
        "select period_type, period_label from attestation.period_status "
        "where status = 'revision_pending' order by period_type, period_label"
    ).fetchall()
    return [parse(t, label) for t, label in rows]
