"""HTML attestation reports, rendered from published revisions only.

One page per store and period (the team's table, then one card per employee: total, grade, each
component's points with the explanation lines, a chart of component points and of the quarterly
trend), one awards page per period, and an index. Everything comes from the ``attestation.latest_*``
views, so a report always shows a frozen revision (named in its footer), never a half-built model.

Pages are static HTML with inline SVG and CSS: they open offline, print on A4 (one card never splits
across pages) and use system fonts that cover Cyrillic.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service_quality.attestation import charts, explain
from service_quality.attestation.appeals import (
    APPEAL_CATEGORIES,
    Appeal,
    AppealFigures,
    PeriodAppeals,
    period_appeals,
)
from service_quality.attestation.explain import _
from service_quality.attestation.i18n import fmt, fmt_date, fmt_signed, fmt_trimmed, report_locale, translations
from service_quality.attestation.periods import Period, parse

if TYPE_CHECKING:  # pragma: no cover
    import psycopg

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"

COMPONENT_ORDER = explain.COMPONENT_ORDER
COMPONENT_LABELS = explain.COMPONENT_LABELS
AWARD_LABELS = {
    "best_service_store": _("Best service, store"),
    "best_service_region": _("Best service, region"),
    "best_service_chain": _("Best service, chain"),
    "best_store_region": _("Best store, region"),
    "best_brand_representation": _("Best brand representation"),
}
AWARD_ORDER = tuple(AWARD_LABELS)
GRADES = ("A", "B", "C", "D")
GRADE_NAMES = explain.GRADE_NAMES
#: The grade bands of ATTESTATION_METHOD.md §5 (grade_bands seed), as printed on the statements.
GRADE_BANDS = (("A", 85), ("B", 70), ("C", 55), ("D", None))
#: Appeals (§8): the window after the visit's first arrival, and the time a decision is due in
#: (``appeal_window_days`` and ``appeal_decision_days`` of the attestation_thresholds seed).
APPEAL_WINDOW_DAYS = 7
APPEAL_DECISION_DAYS = 14


@dataclass
class Revision:
    period: Period
    revision: int
    published_at: datetime
    methodology_version: str
    inputs_checksum: str
    run_id: str
    status: str
    pending_since: datetime | None

    @property
    def is_pending(self) -> bool:
        return self.status == "revision_pending"


@dataclass
class EmployeeCard:
    row: dict[str, Any]
    components: list[dict[str, Any]]
    explanation: explain.Explanation
    bars_svg: str
    trend_svg: str
    trend: list[charts.TrendPoint] = field(default_factory=list)
    #: appeals on the visits the employee was audited in, and the ones the employee filed
    appeals: list[Appeal] = field(default_factory=list)

    @property
    def explanation_lines(self) -> list[str]:
        return self.explanation.lines

    @property
    def component_rows(self) -> list[tuple[explain.ComponentLine, dict[str, Any]]]:
        """Each component's printed line beside its row (points for the bar, observations, minimum)."""
        rows = {c["component"]: c for c in self.components}
        return [(line, rows[line.component]) for line in self.explanation.components]

    @property
    def bar_width(self) -> dict[str, float]:
        """Bar widths in % of the track (0–100 points)."""
        return {
            c["component"]: max(0.0, min(100.0, float(c["points"]))) if c.get("points") is not None else 0.0
            for c in self.components
        }

    @property
    def statement_file(self) -> str:
        return f"staff/{_safe(self.row['employee_code'])}.html"


@dataclass
class ThemeSummary:
    """One theme customers raised about a store in the period: how often, and two comments as scrubbed."""

    theme_code: str
    name: str
    polarity: str
    mentions: int
    examples: list[str] = field(default_factory=list)


@dataclass
class StorePage:
    store_code: str
    store_name: str | None
    region: str | None
    cards: list[EmployeeCard] = field(default_factory=list)
    complaints: list[ThemeSummary] = field(default_factory=list)  # top negative themes of the period
    praise: list[ThemeSummary] = field(default_factory=list)  # top positive themes of the period
    appeals: list[Appeal] = field(default_factory=list)  # every appeal on the store's visits of the period
    appeal_figures: AppealFigures | None = None

    @property
    def grade_counts(self) -> dict[str, int]:
        return dict(Counter(c.row.get("grade") for c in self.cards if c.row.get("status") == "attested"))

    @property
    def file_name(self) -> str:
        return f"store-{_safe(self.store_code)}.html"


@dataclass
class RenderResult:
    out_dir: Path
    index: Path
    pages: list[Path]

    def message(self) -> str:
        return f"{len(self.pages)} report page(s) written; open {self.index}"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text) or "_"


def _num(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal | int | float) else float(str(value))


def _rows(conn: psycopg.Connection, query: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = conn.execute(query, params)
    names = [d.name for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def published_revisions(conn: psycopg.Connection) -> list[Revision]:
    """The latest revision of every published period, years first, newest first."""
    rows = _rows(
        conn,
        """
        select period_type, period_label, revision, published_at, methodology_version, inputs_checksum, run_id,
               coalesce(period_status, 'published') as status, pending_since
        from attestation.latest_revisions
        """,
        [],
    )
    revisions = [
        Revision(
            period=parse(r["period_type"], r["period_label"]),
            revision=r["revision"],
            published_at=r["published_at"],
            methodology_version=r["methodology_version"],
            inputs_checksum=r["inputs_checksum"],
            run_id=r["run_id"],
            status=r["status"],
            pending_since=r["pending_since"],
        )
        for r in rows
    ]
    return sorted(
        revisions, key=lambda r: (r.period.start.year, r.period.period_type == "year", r.period.start), reverse=True
    )


def _store_names(conn: psycopg.Connection) -> dict[str, str]:
    """Store display names from the stores dimension when it is built (the codes are used otherwise)."""
    if conn.execute("select to_regclass('service_quality.dim_stores')").fetchone()[0] is None:
        return {}
    return dict(conn.execute("select store_code, store_name from service_quality.dim_stores").fetchall())


def _component_sort_key(c: dict[str, Any]) -> tuple:
    order = c.get("component_order")
    if order is None:
        order = COMPONENT_ORDER.index(c["component"]) if c["component"] in COMPONENT_ORDER else 99
    return (order, c["component"])


def _trend_points(
    period: Period, employee_code: str, quarter_totals: dict[tuple[str, str], dict[str, Any]], locale: str = "en"
) -> list[charts.TrendPoint]:
    year = period.start.year
    points = []
    for q in (1, 2, 3, 4):
        label = f"{year}-Q{q}"
        row = quarter_totals.get((employee_code, label))
        attested = row is not None and row.get("status") == "attested" and row.get("total_points") is not None
        points.append(
            charts.TrendPoint(
                label=f"Q{q}",
                total=_num(row["total_points"]) if attested else None,
                grade=row.get("grade") if attested else None,
                current=period.period_type == "quarter" and period.label == label,
                text=fmt(row["total_points"], 1, locale) if attested else None,
            )
        )
    return points


#: themes per store and polarity on the pages; comments shown per theme
TOP_THEMES, EXAMPLES_PER_THEME = 3, 2


def store_themes(conn: psycopg.Connection, period: Any, locale: str = "en") -> dict[str, dict[str, list[ThemeSummary]]]:
    """Per store: its most mentioned complaint (negative) and praise (positive) themes of ``period`` from the mart
    ``service_quality.fct_survey_comment_themes``, each with two of its comments as scrubbed (the latest first).
    Empty when the mart is not built yet."""
    if conn.execute("select to_regclass('service_quality.fct_survey_comment_themes')").fetchone()[0] is None:
        return {}
    rows = _rows(
        conn,
        """
        with period_mentions as (
            select * from service_quality.fct_survey_comment_themes
            where response_date >= %s and response_date < %s
        ),
        counted as (
            select store_code, theme_code, polarity, min(theme_name_ru) as name_ru, min(theme_name_en) as name_en,
                count(*) as mentions
            from period_mentions group by store_code, theme_code, polarity
        ),
        ranked as (
            select *, row_number() over (partition by store_code, polarity order by mentions desc, theme_code) as k
            from counted
        ),
        examples as (
            select store_code, theme_code, polarity, scrubbed_comment,
                row_number() over (
                    partition by store_code, theme_code, polarity order by response_date desc, response_id desc
                ) as e
            from period_mentions where scrubbed_comment is not null
        )
        select ranked.store_code, ranked.theme_code, ranked.polarity, ranked.name_ru, ranked.name_en,
            ranked.mentions, ranked.k,
            array_remove(array_agg(examples.scrubbed_comment order by examples.e), null) as examples
        from ranked
        left join examples
            on examples.store_code = ranked.store_code and examples.theme_code = ranked.theme_code
            and examples.polarity = ranked.polarity and examples.e <= %s
        where ranked.k <= %s
        group by ranked.store_code, ranked.theme_code, ranked.polarity, ranked.name_ru, ranked.name_en,
            ranked.mentions, ranked.k
        order by ranked.store_code, ranked.polarity, ranked.k
        """,
        [period.start, period.end, EXAMPLES_PER_THEME, TOP_THEMES],
    )
    found: dict[str, dict[str, list[ThemeSummary]]] = {}
    for r in rows:
        kind = "complaints" if r["polarity"] == "negative" else "praise"
        found.setdefault(r["store_code"], {"complaints": [], "praise": []})[kind].append(
            ThemeSummary(
                r["theme_code"],
                r["name_ru"] if locale == "ru" else r["name_en"],
                r["polarity"],
                r["mentions"],
                list(r["examples"]),
            )
        )
    return found


def load_period(
    conn: psycopg.Connection, revision: Revision, locale: str = "en", *, index_only: bool = False
) -> tuple[list[StorePage], list[dict[str, Any]], PeriodAppeals]:
    """The store pages, the awards and the appeals of one published period (its latest revision), in ``locale``.

    ``index_only``: what the HR index shows of a period whose pages are not rendered now (names, grades,
    themes, appeal figures), without the cards' explanations and charts, which only its own pages print.
    """
    gt = translations(locale)
    period = revision.period
    key = [period.period_type, period.label]
    scorecards = _rows(
        conn,
        "select * from attestation.latest_scorecards where period_type = %s and period_label = %s",
        key,
    )
    components = (
        []
        if index_only
        else _rows(
            conn,
            "select * from attestation.latest_components where period_type = %s and period_label = %s",
            key,
        )
    )
    awards = _rows(
        conn,
        "select * from attestation.latest_awards where period_type = %s and period_label = %s",
        key,
    )
    quarter_rows = _rows(
        conn,
        """
        select employee_code, period_label, status, total_points, grade from attestation.latest_scorecards
        where period_type = 'quarter' and period_label like %s
        """,
        [f"{period.start.year}-Q%"],
    )
    quarter_totals = {(r["employee_code"], r["period_label"]): r for r in quarter_rows}
    by_employee: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in components:
        by_employee[c["employee_code"]].append(c)
    names = _store_names(conn)
    appeals = period_appeals(conn, period)

    stores: dict[str, StorePage] = {}
    for row in scorecards:
        code = row.get("store_code") or "unknown"
        page = stores.setdefault(code, StorePage(code, names.get(code), row.get("region")))
        if index_only:
            page.cards.append(
                EmployeeCard(
                    row=row, components=[], explanation=explain.Explanation([], None, []), bars_svg="", trend_svg=""
                )
            )
            continue
        comps = sorted(by_employee.get(row["employee_code"], []), key=_component_sort_key)
        for c in comps:
            c["label"] = gt.gettext(COMPONENT_LABELS.get(c["component"], c.get("component_label") or c["component"]))
        explanation = explain.explain(row, comps, locale)
        bars = [
            charts.Bar(
                label=c["label"],
                points=_num(c["points"]) if c.get("status") == "included" and c.get("points") is not None else None,
                note=f"× {fmt_trimmed(c['effective_weight'], 2, locale)}"
                if c.get("status") == "included" and c.get("effective_weight") is not None
                else "",
                text=fmt(c["points"], 1, locale) if c.get("points") is not None else None,
            )
            for c in comps
            if c.get("status") != "not_applicable"
        ]
        trend = _trend_points(period, row["employee_code"], quarter_totals, locale)
        page.cards.append(
            EmployeeCard(
                row=row,
                components=comps,
                explanation=explanation,
                bars_svg=charts.component_bars(bars, not_counted=gt.gettext("not counted")) if bars else "",
                trend_svg=charts.trend(trend),
                trend=trend,
                appeals=appeals.of_employee(row["employee_code"]),
            )
        )
    themes = store_themes(conn, period, locale)
    for page in stores.values():
        page.complaints = themes.get(page.store_code, {}).get("complaints", [])
        page.praise = themes.get(page.store_code, {}).get("praise", [])
        page.appeals = appeals.of_store(page.store_code)
        page.appeal_figures = appeals.figures(page.store_code)
        page.cards.sort(
            key=lambda c: (
                c.row.get("status") != "attested",
                c.row.get("rank_in_store") or 10**6,
                c.row.get("full_name") or "",
            )
        )
    awards.sort(
        key=lambda a: (
            AWARD_ORDER.index(a["award"]) if a["award"] in AWARD_ORDER else 99,
            a.get("scope_code") or "",
            a.get("rank") or 0,
        )
    )
    for a in awards:
        a["label"] = (
            gt.gettext(AWARD_LABELS[a["award"]])
            if a["award"] in AWARD_LABELS
            else a["award"].replace("_", " ").capitalize()
        )
        a["store_name"] = names.get(a.get("store_code") or "")
        if a.get("score") is None and a.get("_extra"):
            a["score"] = a["_extra"].get("value")
    return sorted(stores.values(), key=lambda s: (s.region or "", s.store_code)), awards, appeals


def _environment(locale: str = "en"):
    """The Jinja2 environment of one locale: gettext catalogs through ``jinja2.ext.i18n``, Babel formats."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
    from markupsafe import Markup

    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    gt = translations(locale)
    env.install_gettext_translations(gt, newstyle=True)
    env.filters["svg"] = Markup  # the chart functions escape their own text
    env.filters["pts"] = lambda v: "—" if v is None else fmt(v, 1, locale)
    env.filters["num"] = lambda v, places=0: "—" if v is None else fmt(v, places, locale)
    env.filters["signed"] = lambda v: fmt_signed(v, 1, locale)
    env.filters["day"] = lambda v: fmt_date(v, locale)
    env.filters["utc"] = lambda v: (
        "" if v is None else f"{fmt_date(v.astimezone(UTC), locale)} {v.astimezone(UTC):%H:%M} UTC"
    )
    env.filters["role"] = lambda v: gt.gettext(explain.ROLE_LABELS[v]) if v in explain.ROLE_LABELS else (v or "")
    env.filters["appeal_category"] = lambda v: gt.gettext(APPEAL_CATEGORIES.get(v, v))
    env.filters["rate"] = lambda v: "—" if v is None else fmt(100 * v, 0, locale) + " %"
    env.filters["reason"] = lambda v: (
        gt.gettext(explain.REASONS[v]) if v in explain.REASONS else (v or "").replace("_", " ")
    )
    env.globals.update(
        locale=locale,
        grades=GRADES,
        grade_names={g: gt.gettext(n) for g, n in GRADE_NAMES.items()},
        grade_bands=GRADE_BANDS,
        appeal_window_days=APPEAL_WINDOW_DAYS,
        appeal_decision_days=APPEAL_DECISION_DAYS,
        appeal_outcome=lambda appeal: appeal.outcome_text(gt),
        grade_colours=charts.GRADE_COLOURS,
        grade_distribution=lambda counts, w, h: charts.grade_distribution(
            counts, w, h, empty=gt.gettext("no attested employees")
        ),
        css=(TEMPLATES_DIR / "report.css").read_text(encoding="utf-8"),
    )
    return env


def _write(path: Path, text: str) -> Path:
    """Write atomically: a reader (or a browser refresh) never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
    return path


def render_reports(
    conn: psycopg.Connection, out_dir: Path, periods: list[Period] | None = None, locale: str | None = None
) -> RenderResult:
    """Render the pages of ``periods`` (default: every published period) and the index into ``out_dir``.

    Per period: a statement per employee (``<period>/staff/<employee_code>.html``), a team page per
    store, the awards page; then the HR index. ``locale`` defaults to the ``report_locale`` Variable.
    """
    locale = report_locale(locale)
    env = _environment(locale)
    revisions = published_revisions(conn)
    wanted = {(p.period_type, p.label) for p in periods} if periods is not None else None
    missing = wanted - {(r.period.period_type, r.period.label) for r in revisions} if wanted else set()
    if missing:
        raise LookupError(
            f"no published revision for {sorted(missing)}: reports render published revisions only; "
            "publish the period first (run its attestation DAG)"
        )
    pages: list[Path] = []
    overview = []
    for rev in revisions:
        selected = wanted is None or (rev.period.period_type, rev.period.label) in wanted
        stores, awards, appeals = load_period(conn, rev, locale, index_only=not selected)
        attested = [c for s in stores for c in s.cards if c.row.get("status") == "attested"]
        counts = Counter(c.row.get("grade") for c in attested)
        overview.append(
            {
                "rev": rev,
                "dir": rev.period.label,
                "stores": stores,
                "grade_counts": dict(counts),
                "employees": sum(len(s.cards) for s in stores),
                "attested": len(attested),
                "awards": len(awards),
                "statements": sum(len(s.cards) for s in stores),
                "appeals": appeals,
            }
        )
        if not selected:
            continue
        folder = out_dir / _safe(rev.period.label)
        common = {"rev": rev, "period": rev.period, "stores": stores, "root": ".."}
        statement = env.get_template("statement.html")
        for store in stores:
            html = env.get_template("store.html").render(store=store, **common)
            pages.append(_write(folder / store.file_name, html))
            for card in store.cards:
                html = statement.render(card=card, store=store, rev=rev, period=rev.period, root="../..")
                pages.append(_write(folder / card.statement_file, html))
        groups: dict[str, list[dict[str, Any]]] = {}
        for award in awards:
            groups.setdefault(award["label"], []).append(award)
        html = env.get_template("awards.html").render(awards=awards, award_groups=list(groups.items()), **common)
        pages.append(_write(folder / "awards.html", html))
    index = _write(out_dir / "index.html", env.get_template("index.html").render(periods=overview, root="."))
    pages.append(index)
    log.info("rendered %s page(s) into %s", len(pages), out_dir)
    return RenderResult(out_dir=out_dir, index=index, pages=pages)
