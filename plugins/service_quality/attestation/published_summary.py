"""The attestation in a few lines: what is published, the grade distribution, the winners, where the reports are.

The demo command prints :func:`summarize` at its end; ``sqw report --summary`` prints it on demand.
Everything comes from the latest published revisions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from service_quality.attestation.appeals import AppealFigures
from service_quality.warehouse.connection import WarehouseDsn

GRADES = ("A", "B", "C", "D")


@dataclass
class PeriodSummary:
    period_type: str
    period_label: str
    revision: int
    published_at: datetime
    status: str
    scorecards: int
    grade_counts: dict[str, int]
    not_attested: int
    awards: list[dict[str, Any]] = field(default_factory=list)
    #: fact sources with no row in the period (ATTESTATION_METHOD.md §3: attested all the same)
    sources_without_rows: list[str] = field(default_factory=list)
    #: deliveries whose late data made the period revision_pending
    late_deliveries: list[int] = field(default_factory=list)
    #: appeals on the period's visits (ATTESTATION_METHOD.md §8)
    appeals: AppealFigures | None = None

    def appeals_line(self) -> str:
        a = self.appeals
        if a is None or not a.filed:
            return "appeals: none filed"
        return (
            f"appeals: {a.filed} filed, {a.filed - a.admissible} not admitted, {a.upheld} upheld, "
            f"{a.overturned} overturned, {a.open} open ({a.open_past_due} past due)"
        )

    def line(self) -> str:
        grades = " · ".join(f"{g} {self.grade_counts.get(g, 0)}" for g in GRADES)
        flag = ""
        if self.status == "revision_pending":
            ids = ", ".join(map(str, self.late_deliveries[:5])) + (" …" if len(self.late_deliveries) > 5 else "")
            flag = f"  [revision pending: late data in delivery(ies) {ids}]"
        if self.sources_without_rows:
            flag += f"  [no rows from {', '.join(self.sources_without_rows)}]"
        return (
            f"{self.period_type:<7} {self.period_label:<8} revision {self.revision} "
            f"({self.published_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC): {self.scorecards} scorecards, "
            f"{grades} · not attested {self.not_attested} · {self.appeals_line()}{flag}"
        )


@dataclass
class AttestationSummary:
    periods: list[PeriodSummary]
    reports_index: Path | None

    def text(self, awards_for: str = "year") -> str:
        """Human-readable summary; award winners are listed for every ``awards_for`` period (and the
        chain's top 3 of every other period)."""
        if not self.periods:
            return "Attestation: nothing published yet (the attestation DAGs publish closed periods)."
        out = ["Attestation (latest published revisions):"]
        out += ["  " + p.line() for p in self.periods]
        for p in self.periods:
            full = p.period_type == awards_for
            chosen = p.awards if full else [a for a in p.awards if a["award"] == "best_service_chain"]
            if not chosen:
                continue
            out.append(
                f"Award winners, {p.period_type} {p.period_label}:"
                if full
                else f"Best service in the chain, {p.period_label}:"
            )
            groups: dict[str, list[str]] = defaultdict(list)
            for a in chosen:
                groups[_award_title(a)].append(_winner(a))
            out += [f"  {title}: {'; '.join(winners)}" for title, winners in groups.items()]
        if self.reports_index is not None:
            out.append(f"HTML reports: {self.reports_index}")
            out.append(
                f"Staff statements (one printable page per employee and period): "
                f"{self.reports_index.parent}/<period>/staff/<employee_code>.html"
            )
        return "\n".join(out)


def _award_title(a: dict[str, Any]) -> str:
    from service_quality.attestation.reports import AWARD_LABELS

    title = AWARD_LABELS.get(a["award"], a["award"])
    scope = a.get("scope_code")
    return f"{title} {scope}" if scope and scope != "chain" else title


def _winner(a: dict[str, Any]) -> str:
    score = "" if a.get("score") is None else f" {float(a['score']):.1f}"
    rank = (
        f"{a['rank']}. "
        if a.get("rank") is not None and a["award"] in {"best_service_region", "best_service_chain"}
        else ""
    )
    if a.get("employee_code"):
        return f"{rank}{a.get('full_name') or ''} ({a['employee_code']}, {a.get('store_code') or '?'}){score}"
    if a.get("brand"):
        return f"{rank}{a['brand']}: {a.get('store_code') or '?'}{score}"
    return f"{rank}{a.get('store_code') or '?'}{score}"


def summarize(dsn: WarehouseDsn, reports_dir: Path | None = None) -> AttestationSummary:
    """Summary of every published period (years first, newest first), from the latest revisions."""
    from service_quality.attestation.appeals import period_appeals
    from service_quality.attestation.coverage import sources_without_rows
    from service_quality.attestation.reports import _rows, published_revisions
    from service_quality.paths import REPORTS_DIR

    reports_dir = reports_dir or REPORTS_DIR
    periods = []
    with dsn.connect() as conn:
        for rev in published_revisions(conn):
            key = [rev.period.period_type, rev.period.label]
            cards = _rows(
                conn,
                "select status, grade from attestation.latest_scorecards where period_type = %s and period_label = %s",
                key,
            )
            awards = _rows(
                conn,
                """
                select * from attestation.latest_awards where period_type = %s and period_label = %s
                order by award, scope_code, rank
                """,
                key,
            )
            counts = Counter(c["grade"] for c in cards if c["status"] == "attested")
            late = conn.execute(
                "select late_deliveries from attestation.period_status where period_type = %s and period_label = %s",
                key,
            ).fetchone()
            periods.append(
                PeriodSummary(
                    period_type=rev.period.period_type,
                    period_label=rev.period.label,
                    revision=rev.revision,
                    published_at=rev.published_at,
                    status=rev.status,
                    scorecards=len(cards),
                    grade_counts=dict(counts),
                    not_attested=sum(1 for c in cards if c["status"] != "attested"),
                    awards=awards,
                    sources_without_rows=sources_without_rows(conn, rev.period),
                    late_deliveries=list(late[0]) if late else [],
                    appeals=period_appeals(conn, rev.period).total,
                )
            )
    index = reports_dir / "index.html"
    return AttestationSummary(periods=periods, reports_index=index if index.exists() else None)
