"""HTML reports and the summary, rendered from published revisions on a real PostgreSQL."""

from __future__ import annotations

import re

import pytest

from service_quality.attestation import periods
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
                for page in ("awards.html", "store-MSK-01.html", "store-SPB-01.html")
            ),
        ]
    )
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    for label in ("2025-Q1", "2025-Q2", "2025"):
        assert f'href="{label}/awards.html"' in index


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
    assert "Mystery shopping: 4 observations → 91 pts × 0.25 = 22.8" in html
    assert "Total 87.3 → grade A" in html
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
