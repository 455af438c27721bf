"""The audit checklist, read from the dbt seeds so that simulated answers match them by construction."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from service_quality.paths import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"


@dataclass(frozen=True)
class Question:
    version: str
    code: str
    section: str
    text: str
    answer_type: str  # yes_no | scale_0_5
    points: float
    is_critical: bool


@dataclass(frozen=True)
class Checklist:
    """Questions per checklist version (in seed order) and section weights."""

    versions: dict[str, tuple[Question, ...]]
    section_weights: dict[str, float]

    @property
    def version_names(self) -> list[str]:
        return sorted(self.versions)


def load_checklist(seeds_dir: Path = SEEDS_DIR) -> Checklist:
    """Read ``audit_checklist.csv`` and ``audit_sections.csv``; fail loudly when they disagree."""
    sections_path = seeds_dir / "audit_sections.csv"
    checklist_path = seeds_dir / "audit_checklist.csv"
    with sections_path.open(encoding="utf-8", newline="") as f:
        weights = {row["section_code"]: float(row["weight"]) for row in csv.DictReader(f)}
    if "product_knowledge" not in weights:
        raise ValueError(f"{sections_path}: the section 'product_knowledge' is missing; the method needs it")
    versions: dict[str, list[Question]] = {}
    with checklist_path.open(encoding="utf-8", newline="") as f:
        for number, row in enumerate(csv.DictReader(f), start=1):
            question = Question(
                version=row["checklist_version"],
                code=row["question_code"],
                section=row["section_code"],
                text=row["question_text"],
                answer_type=row["answer_type"],
                points=float(row["points"]),
                is_critical=row["is_critical"].strip().lower() == "true",
            )
            if question.section not in weights:
                raise ValueError(
                    f"{checklist_path}, row {number}: section {question.section!r} is not in {sections_path.name}"
                )
            if question.answer_type not in ("yes_no", "scale_0_5") or question.points <= 0:
                raise ValueError(f"{checklist_path}, row {number}: answer_type or points out of contract")
            versions.setdefault(question.version, []).append(question)
    return Checklist({v: tuple(qs) for v, qs in versions.items()}, weights)
