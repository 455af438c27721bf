"""Simulated landing zones shared by the simulator tests (generated once per session: a few seconds each)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from service_quality.simulator import Summary, simulate

START, END = date(2025, 1, 1), date(2025, 3, 31)
SEED = 11


@dataclass
class Zone:
    summary: Summary
    landing: Path
    truth: Path

    def deliveries(self) -> list[dict[str, str]]:
        with (self.truth / "deliveries.csv").open(encoding="utf-8") as f:
            return list(csv.DictReader(f))

    def cases(self) -> list[dict]:
        with (self.truth / "cases.jsonl").open(encoding="utf-8") as f:
            return [json.loads(line) for line in f]

    def manifest(self) -> dict:
        return json.loads((self.truth / "manifest.json").read_text(encoding="utf-8"))

    def truth_employees(self) -> dict[str, dict[str, str]]:
        with (self.truth / "employees.csv").open(encoding="utf-8") as f:
            return {r["employee_code"]: r for r in csv.DictReader(f)}


def _zone(out: Path, defects: float, workers: int = 1) -> Zone:
    summary = simulate("XS", START, END, seed=SEED, defects=defects, out=out, workers=workers)
    return Zone(summary, summary.landing, summary.truth)


@pytest.fixture(scope="session")
def xs_clean(tmp_path_factory: pytest.TempPathFactory) -> Zone:
    """A quarter of the XS chain, no injected defects."""
    return _zone(tmp_path_factory.mktemp("xs_clean"), 0.0)


@pytest.fixture(scope="session")
def xs_defects(tmp_path_factory: pytest.TempPathFactory) -> Zone:
    """The same quarter with 5 % of deliveries carrying an injected case."""
    return _zone(tmp_path_factory.mktemp("xs_defects"), 0.05)


@pytest.fixture(scope="session")
def make_zone():
    return _zone
