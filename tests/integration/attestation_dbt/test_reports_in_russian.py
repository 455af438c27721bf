"""The reports of one simulated quarter in Russian, through the real pipeline pieces, seen in a browser.

The quarter the fixture built (the real dbt models on the simulated XS chain, Cyrillic names) is
published and rendered in ``ru`` the way the attestation DAG and the ``reports`` benchmark render it;
then headless Chromium takes a screenshot of one statement and of its store's team page. The PNGs stay
in the test's directory (``artifacts/``) for a person to look at.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from service_quality.attestation import periods
from service_quality.attestation.publish import publish
from service_quality.bench.reports import render_period

from .conftest import QUARTER, AttestedChain, screenshot

pytestmark = pytest.mark.integration

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def _text(path: Path) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


def test_a_russian_quarter_renders_and_reads_in_a_browser(attested_chain: AttestedChain, tmp_path, chromium) -> None:
    period = periods.parse("quarter", QUARTER)
    with attested_chain.dsn.connect() as conn:
        publish(conn, period, run_id="manual__reports_ru")
    seconds, statements, pages = render_period(attested_chain.dsn, tmp_path / "reports", period, "ru")
    cards = attested_chain.rows(
        "select employee_code, full_name, store_code, status, total_points from attestation.latest_scorecards "
        "where period_label = %s order by status, total_points desc nulls last, employee_code",
        [QUARTER],
    )
    assert statements == len(cards) and pages > statements and seconds > 0

    # One attested employee with a Cyrillic name: the statement carries the name and the total in Russian.
    card = next(c for c in cards if c["status"] == "attested" and CYRILLIC.search(c["full_name"] or ""))
    folder = tmp_path / "reports" / QUARTER
    statement = folder / "staff" / f"{card['employee_code']}.html"
    text = _text(statement)
    assert card["full_name"] in text
    assert str(card["total_points"]).replace(".", ",") in text
    assert "Итог:" in text and "Total:" not in text
    others = [c for c in cards if c["employee_code"] != card["employee_code"]]
    assert not [c["full_name"] for c in others if c["full_name"] and c["full_name"] in text]
    team = folder / f"store-{card['store_code']}.html"
    assert card["full_name"] in _text(team)

    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    screenshot(chromium, statement, artifacts / "statement-ru.png", tmp_path / "profile")
    screenshot(chromium, team, artifacts / "team-ru.png", tmp_path / "profile", height=2000)
