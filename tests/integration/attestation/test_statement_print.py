"""A Russian staff statement printed by a real headless Chromium: at most 2 A4 pages, the total in Russian."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from service_quality.attestation import periods
from service_quality.attestation.publish import publish
from service_quality.attestation.reports import render_reports

pytestmark = pytest.mark.integration

Q2 = periods.parse("quarter", "2025-Q2")
A4_POINTS = (595, 842)  # 210 × 297 mm


def _pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The media box (width, height in points) of every page object of the PDF."""
    try:
        from pypdf import PdfReader
    except ImportError:
        pages = re.findall(rb"/Type\s*/Page(?!s)", pdf)
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
        assert len(boxes) == len(pages), "one media box per page object"
        return [(float(w), float(h)) for w, h in boxes]
    import io

    reader = PdfReader(io.BytesIO(pdf))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext"):
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_a_russian_statement_prints_on_at_most_two_a4_pages(built, tmp_path, chromium):
    with built.connect() as conn:
        publish(conn, Q2, run_id="scheduled__test")
        render_reports(conn, tmp_path / "reports", [Q2], locale="ru")
        total = conn.execute(
            "select total_points from attestation.latest_scorecards "
            "where period_label = '2025-Q2' and employee_code = 'E001'"
        ).fetchone()[0]
    statement = tmp_path / "reports" / "2025-Q2" / "staff" / "E001.html"
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    pdf, png = artifacts / "E001-2025-Q2-ru.pdf", artifacts / "E001-2025-Q2-ru.png"
    common = [str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]
    common.append(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    subprocess.run(
        [*common, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", statement.as_uri()],
        capture_output=True,
        timeout=180,
        check=True,
    )
    subprocess.run(
        [*common, "--window-size=900,1400", f"--screenshot={png}", statement.as_uri()],
        capture_output=True,
        timeout=180,
        check=True,
    )
    assert png.stat().st_size > 10_000
    pages = _pdf_pages(pdf.read_bytes())
    assert 1 <= len(pages) <= 2, pages
    for width, height in pages:  # A4 portrait (the print stylesheet's @page size), to the point
        assert abs(width - A4_POINTS[0]) <= 1 and abs(height - A4_POINTS[1]) <= 1, (width, height)
    text = _pdf_text(pdf)
    russian_total = str(total).replace(".", ",")  # 90,3: the total as the Russian page prints it
    assert russian_total in text, text[:2000]
    assert "Анна Смирнова" in text and "Итог:" in text
