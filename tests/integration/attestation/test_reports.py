"""HTML reports and the summary, rendered from published revisions on a real PostgreSQL."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from babel.messages.pofile import read_po

from service_quality.attestation import i18n, periods
from service_quality.attestation.explain import parse_number, parse_total_line
from service_quality.attestation.publish import publish
from service_quality.attestation.published_summary import summarize
from service_quality.attestation.reports import render_reports

pytestmark = pytest.mark.integration

Q1 = periods.parse("quarter", "2025-Q1")
Q2 = periods.parse("quarter", "2025-Q2")
Y = periods.parse("year", "2025")


@pytest.fixture()
def published(built):
    with built.connect() as conn:
        for period in (Q1, Q2, Y):
            publish(conn, period, run_id="scheduled__test")
    return built


def test_one_page_per_store_and_period_plus_awards_and_index(published, tmp_path):
    with published.connect() as conn:
        result = render_reports(conn, tmp_path)
    names = sorted(str(p.relative_to(tmp_path)) for p in result.pages)
    assert names == sorted(
        [
            "index.html",
            *(
                f"{label}/{page}"
                for label in ("2025", "2025-Q1", "2025-Q2")
                for page in (
                    "awards.html",
                    "store-MSK-01.html",
                    "store-SPB-01.html",
                    *(f"staff/E00{i}.html" for i in range(1, 6)),
                )
            ),
        ]
    )
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    for label in ("2025-Q1", "2025-Q2", "2025"):
        assert f'href="{label}/awards.html"' in index
        assert f'href="{label}/staff/E001.html"' in index
    assert index.count("5 staff statements") == 3


def test_rendering_one_period_writes_the_same_index_as_rendering_all(published, tmp_path):
    """The index of a run that renders one period reads the others only as far as the index shows them."""
    with published.connect() as conn:
        render_reports(conn, tmp_path / "all")
        render_reports(conn, tmp_path / "one", periods=[Q2])
    assert (tmp_path / "one" / "index.html").read_bytes() == (tmp_path / "all" / "index.html").read_bytes()
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == ["2025-Q2", "index.html"]


def test_store_page_shows_the_team_and_a_card_per_employee(published, tmp_path):
    with published.connect() as conn:
        render_reports(conn, tmp_path, [Q1])
    html = (tmp_path / "2025-Q1" / "store-MSK-01.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html
    # Cyrillic names arrive intact (not escaped to entities, not mojibake).
    for name in ("Анна Смирнова", "Пётр Иванов", "Ольга Кузнецова"):
        assert name in html
    assert "Дмитрий Соколов" not in html  # another store's employee
    assert html.count('<article class="card"') == 3
    # Each card: total, grade, component chart, trend chart, explanation lines.
    assert html.count('class="chart bars"') == 3 and html.count('class="chart trend"') == 3
    assert "Mystery shopping: 4 visits (minimum 3), mean 91.0 %, adjusted 91.0 → 91.0 pts × 0.25 = 22.75" in html
    assert "Total: 22.75 + 22.25 + 13.05 + 8.50 + 20.75 = 87.30 → 87.3 → grade A" in html
    assert 'href="staff/E001.html"' in html
    assert "critical failure" in html  # E003
    # The revision is named; nothing is fetched from outside (the reports open offline).
    assert "Revision 1" in html
    assert not re.search(r"<script|<link|src=\"http|url\(http", html)
    assert "@media print" in html and "break-inside: avoid" in html


def test_reports_show_the_published_revision_not_the_rebuilt_models(published, tmp_path):
    with published.connect() as conn:
        conn.execute("update attestation.scorecards set full_name = 'Не опубликовано' where employee_code = 'E001'")
        conn.commit()
        render_reports(conn, tmp_path, [Q1])
        html = (tmp_path / "2025-Q1" / "store-MSK-01.html").read_text(encoding="utf-8")
        assert "Анна Смирнова" in html and "Не опубликовано" not in html
        # After the next publication the new revision is what the page shows.
        publish(conn, Q1, run_id="run-2")
        render_reports(conn, tmp_path, [Q1])
        html = (tmp_path / "2025-Q1" / "store-MSK-01.html").read_text(encoding="utf-8")
        assert "Не опубликовано" in html and "Revision 2" in html


def test_an_unpublished_period_is_refused(built, tmp_path):
    with built.connect() as conn, pytest.raises(LookupError, match="no published revision"):
        render_reports(conn, tmp_path, [Q1])


def test_summary_prints_periods_grades_winners_and_the_reports(published, tmp_path):
    with published.connect() as conn:
        render_reports(conn, tmp_path)
    summary = summarize(published, tmp_path)
    text = summary.text()
    assert [(p.period_type, p.period_label) for p in summary.periods] == [
        ("year", "2025"),
        ("quarter", "2025-Q2"),
        ("quarter", "2025-Q1"),
    ]
    year = summary.periods[0]
    assert year.grade_counts == {"A": 1, "B": 2, "C": 1, "D": 1} and year.not_attested == 0
    assert "Award winners, year 2025:" in text
    assert "Best service, chain: 1. Анна Смирнова (E001, MSK-01) 88.3" in text
    assert f"HTML reports: {tmp_path / 'index.html'}" in text


def test_a_statement_per_employee_shows_their_own_result_and_no_colleague(published, tmp_path):
    with published.connect() as conn:
        render_reports(conn, tmp_path, [Q2], locale="en")
    html = (tmp_path / "2025-Q2" / "staff" / "E002.html").read_text(encoding="utf-8")
    for text in ("Пётр Иванов", "E002", "sales consultant", "Store MSK-01", "Quarter 2025-Q2", "Revision 1"):
        assert text in html
    assert "methodology v1.1" in html
    # Total and grade, and what the bands mean.
    assert '<div class="pts">73.3 <small>' in html and "meets expectations" in html
    assert "85 points or more" in html and "below 55 points" in html
    # Each component as a bar and its line (observations and minimum); the total line adds up.
    assert html.count('<div class="bar"><span style="width: ') == 5
    assert "<td>Customer feedback</td>" in html and "<td>5 responses (minimum 3)" in html
    assert "Total: 19.25 + 18.75 + 10.95 + 7.10 + 17.25 = 73.30 → 73.3 → grade B" in html
    # The trend within the year: Q1 and Q2 attested, Q2 current.
    assert '<td class="num">70.3' in html and '<td class="num current">73.3' in html
    # How to appeal: the window and who may file.
    assert "within 7 days" in html and "filed by you or by the manager of the visit" in html
    # Nothing about any colleague: no other employee's name or code.
    with published.connect() as conn:
        staff = conn.execute("select distinct employee_code, full_name from attestation.scorecards").fetchall()
    assert len(staff) == 5
    for code, name in staff:
        if code != "E002":
            assert code not in html and name not in html, code
    assert "@media print" in html and "size: A4" in html


def test_a_left_out_component_says_why(published, tmp_path):
    with published.connect() as conn:
        render_reports(conn, tmp_path, [Q1], locale="en")
    html = (tmp_path / "2025-Q1" / "staff" / "E005.html").read_text(encoding="utf-8")
    # The component is named in the table's first column, its line beside it.
    assert "<td>Mystery shopping</td>" in html
    assert re.search(r"<td>4 visits, mean [\d.]+ %, adjusted [\d.]+, below the minimum 3 → not counted</td>", html)
    assert "Not attested: 0 component(s) included" in html


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_every_line_of_every_statement_adds_up_as_printed(published, tmp_path, locale):
    with published.connect() as conn:
        result = render_reports(conn, tmp_path, locale=locale)
    statements = [p for p in result.pages if p.parent.name == "staff"]
    assert len(statements) == 15
    checked = 0
    for path in statements:
        html = path.read_text(encoding="utf-8")
        text = re.sub(r"<[^>]+>", "\n", html)
        components = re.findall(r"× [\d.,]+ = ([\d.,]+)", text)
        totals = [line for line in text.splitlines() if line.startswith(("Total: ", "Итог: "))]
        if not totals:
            assert "Not attested" in text or "Не аттестован" in text, path
            continue
        (line,) = totals
        parts, printed_sum, total = parse_total_line(line, locale)
        assert sum(parts) == printed_sum, line
        assert [parse_number(c, locale) for c in components] == parts, path
        assert abs(total - printed_sum) <= Decimal("0.05"), line
        checked += 1
    assert checked == 13  # E005 is not attested in the two quarters


def test_both_locales_render_every_page_without_a_missing_translation(published, tmp_path):
    with i18n.catalog_path("ru").open("rb") as handle:
        catalog = read_po(handle, locale="ru")
    english = [
        m.id
        for m in catalog
        if isinstance(m.id, str) and m.id and "%" not in m.id and len(m.id) > 8 and m.string != m.id
    ]
    with published.connect() as conn:
        en = render_reports(conn, tmp_path / "en", locale="en")
        ru = render_reports(conn, tmp_path / "ru", locale="ru")
    assert len(en.pages) == len(ru.pages) == 25
    for path in ru.pages:
        html = path.read_text(encoding="utf-8")
        assert '<html lang="ru">' in html
        visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", html, flags=re.S)
        left = [msgid for msgid in english if msgid in visible]
        assert not left, f"{path}: untranslated {left}"
    statement = (tmp_path / "ru" / "2025-Q2" / "staff" / "E002.html").read_text(encoding="utf-8")
    assert "73,3" in statement and "Итог: 19,25 + 18,75 + 10,95 + 7,10 + 17,25 = 73,30 → 73,3 → оценка B" in statement
    assert "5 отзывов (минимум 3)" in statement and "продавец-консультант" in statement


def test_the_locale_comes_from_the_report_locale_variable(published, tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_REPORT_LOCALE", "ru")
    with published.connect() as conn:
        render_reports(conn, tmp_path, [Q1])
    assert "Отчёты об аттестации" in (tmp_path / "index.html").read_text(encoding="utf-8")


def _comment_themes(dsn) -> None:
    """The mart the theme section reads, filled by hand (dbt builds it in production)."""
    rows = [
        # MSK-01 in Q1: waiting 3 times (the two latest are the examples), rudeness once, politeness twice
        (
            "R1",
            "speed",
            "Скорость и ожидание",
            "Speed and waiting",
            "MSK-01",
            "2025-01-10",
            "negative",
            "Очередь на час",
        ),
        ("R2", "speed", "Скорость и ожидание", "Speed and waiting", "MSK-01", "2025-02-10", "negative", "Долго ждал"),
        (
            "R3",
            "speed",
            "Скорость и ожидание",
            "Speed and waiting",
            "MSK-01",
            "2025-03-10",
            "negative",
            "Ждали 20 минут, пишите [email]",
        ),
        (
            "R3",
            "politeness",
            "Вежливость персонала",
            "Staff politeness",
            "MSK-01",
            "2025-03-10",
            "negative",
            "Ждали 20 минут, пишите [email]",
        ),
        (
            "R4",
            "politeness",
            "Вежливость персонала",
            "Staff politeness",
            "MSK-01",
            "2025-03-11",
            "positive",
            "Вежливый продавец",
        ),
        (
            "R5",
            "politeness",
            "Вежливость персонала",
            "Staff politeness",
            "MSK-01",
            "2025-03-12",
            "positive",
            "Очень вежливо",
        ),
        # Q2: not in the Q1 pages
        ("R6", "price", "Цены", "Prices", "MSK-01", "2025-04-02", "negative", "Дорого"),
    ]
    with dsn.connect() as conn:
        conn.execute(
            """
            create table service_quality.fct_survey_comment_themes (
                response_id text, theme_code text, theme_name_ru text, theme_name_en text, store_code text,
                response_date date, polarity text, scrubbed_comment text
            )
            """
        )
        with conn.cursor() as cur:
            cur.executemany(
                "insert into service_quality.fct_survey_comment_themes values (%s,%s,%s,%s,%s,%s,%s,%s)", rows
            )


def test_team_page_and_index_show_top_complaints_and_praise_with_two_comments(published, tmp_path):
    _comment_themes(published)
    with published.connect() as conn:
        render_reports(conn, tmp_path / "en", [Q1], locale="en")
        render_reports(conn, tmp_path / "ru", [Q1], locale="ru")
    page = (tmp_path / "en" / "2025-Q1" / "store-MSK-01.html").read_text(encoding="utf-8")
    complaints, praise = page.split("Top complaints")[1].split("Top praise")
    praise = praise.split("<h2>")[0]
    assert complaints.index("Speed and waiting") < complaints.index("Staff politeness")
    assert "3 mentions" in complaints and "1 mention<" in complaints
    assert "«Ждали 20 минут, пишите [email]»" in complaints and "«Долго ждал»" in complaints
    assert "Очередь на час" not in complaints  # two examples per theme, the latest
    assert "Staff politeness" in praise and "2 mentions" in praise and "«Очень вежливо»" in praise
    assert "Prices" not in page  # another quarter
    other = (tmp_path / "en" / "2025-Q1" / "store-SPB-01.html").read_text(encoding="utf-8")
    assert "No customer comment of this period names a theme." in other
    index = (tmp_path / "en" / "index.html").read_text(encoding="utf-8")
    assert "What customers say" in index and "«Долго ждал»" in index
    ru = (tmp_path / "ru" / "2025-Q1" / "store-MSK-01.html").read_text(encoding="utf-8")
    assert "Главные жалобы" in ru and "Скорость и ожидание" in ru and "3 упоминания" in ru
    assert "За что хвалят" in ru and "2 упоминания" in ru
