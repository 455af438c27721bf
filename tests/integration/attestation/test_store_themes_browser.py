"""The team page's customer themes as a real headless Chromium renders them (Russian), screenshot kept."""

from __future__ import annotations

import re
import subprocess

import pytest
from test_reports import Q1, _comment_themes

from service_quality.attestation.publish import publish
from service_quality.attestation.reports import render_reports

pytestmark = pytest.mark.integration


def test_the_team_page_shows_complaints_and_praise_in_a_browser(built, tmp_path, chromium):
    _comment_themes(built)
    with built.connect() as conn:
        publish(conn, Q1, run_id="scheduled__test")
        render_reports(conn, tmp_path / "reports", [Q1], locale="ru")
    page = tmp_path / "reports" / "2025-Q1" / "store-MSK-01.html"
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    png = artifacts / "store-MSK-01-2025-Q1-ru.png"
    common = [str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]
    common.append(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    subprocess.run(
        [*common, "--window-size=1000,1400", f"--screenshot={png}", page.as_uri()],
        capture_output=True,
        timeout=180,
        check=True,
    )
    assert png.stat().st_size > 10_000
    dom = subprocess.run(
        [*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=180, check=True
    ).stdout
    text = re.sub(r"\s+", " ", re.sub(r"<style>.*?</style>|<[^>]+>", " ", dom, flags=re.S))
    assert "Что говорят покупатели" in text
    complaints = text.split("Главные жалобы")[1].split("За что хвалят")[0]
    assert "Скорость и ожидание 3 упоминания" in complaints
    assert "«Ждали 20 минут, пишите [email]»" in complaints and "«Долго ждал»" in complaints
    assert "Вежливость персонала 2 упоминания" in text.split("За что хвалят")[1]
