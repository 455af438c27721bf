"""Benchmark result records, their targets, and the JSON + Markdown files they are written to.

A record is one number: ``name``, ``value``, ``unit``, ``target`` (``">= 0.6"``, ``"<= 1.25"``,
``"< 1"``; null for context figures), ``met`` (null when there is no target), ``scale`` and
``measured_at``; ``benchmark`` (the group it belongs to), ``note`` and ``detail`` say where it came from.

``latest.json`` keeps the newest records of every (benchmark, scale): running one benchmark, or one
scale, replaces only that benchmark's records at that scale, so ``ONLY=parse`` does not erase the
ingest figures measured an hour earlier. Each record carries its own ``measured_at``.
"""

from __future__ import annotations

import json
import operator
import os
import platform
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from service_quality.paths import ROOT

RESULTS_DIR = ROOT / "benchmarks" / "results"
DOC_PATH = ROOT / "docs" / "performance.md"
DOC_START, DOC_END = "<!-- bench-results:start -->", "<!-- bench-results:end -->"
WORK_DIR = Path(os.environ.get("SQW_BENCH_WORK_DIR", ROOT / "benchmarks" / "work")).resolve()

_OPS = {">=": operator.ge, "<=": operator.le, "<": operator.lt, ">": operator.gt}
_TARGET_RE = re.compile(r"^\s*(>=|<=|<|>)\s*([0-9]*\.?[0-9]+)\s*$")


@dataclass(frozen=True)
class Target:
    """A bound the measured value must respect, e.g. ``>= 0.6``."""

    op: str
    bound: float

    @classmethod
    def parse(cls, text: str) -> Target:
        match = _TARGET_RE.match(text)
        if not match:
            raise ValueError(f"benchmark target {text!r} must look like '>= 0.6', '<= 1.25' or '< 1'")
        return cls(match.group(1), float(match.group(2)))

    def met(self, value: float) -> bool:
        return bool(_OPS[self.op](value, self.bound))

    def __str__(self) -> str:
        return f"{self.op} {self.bound:g}"


@dataclass
class Measurement:
    """One benchmark figure, as written to ``latest.json``."""

    name: str
    value: float
    unit: str
    target: str | None
    met: bool | None
    scale: str
    measured_at: str
    benchmark: str
    note: str = ""
    detail: dict = field(default_factory=dict)


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def measure(
    benchmark: str,
    name: str,
    value: float,
    unit: str,
    scale: str,
    target: str | None = None,
    note: str = "",
    detail: dict | None = None,
) -> Measurement:
    """Build a record and check it against its target (``met`` is computed here, never passed in)."""
    met = Target.parse(target).met(value) if target else None
    if target:
        target = str(Target.parse(target))
    return Measurement(
        name=name,
        value=round(float(value), 4),
        unit=unit,
        target=target,
        met=met,
        scale=scale,
        measured_at=now_iso(),
        benchmark=benchmark,
        note=note,
        detail=detail or {},
    )


def load(path: Path) -> list[Measurement]:
    if not path.exists():
        return []
    return [Measurement(**record) for record in json.loads(path.read_text(encoding="utf-8"))]


def merge(old: Iterable[Measurement], new: Iterable[Measurement]) -> list[Measurement]:
    """Old records, except those of a (benchmark, scale) measured again, plus the new ones."""
    new = list(new)
    replaced = {(m.benchmark, m.scale) for m in new}
    kept = [m for m in old if (m.benchmark, m.scale) not in replaced]
    order = {"S": 0, "M": 1, "L": 2}
    return sorted(kept + new, key=lambda m: (order.get(m.scale, 9), m.benchmark, m.name))


def machine() -> dict[str, str | int | float]:
    """What the numbers were measured on: without it a timing means little."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = 0.0
    try:
        import psutil

        memory_gib = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "memory_gib": memory_gib,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def markdown(records: list[Measurement], host: dict | None = None) -> str:
    """The table of ``latest.md``: one row per record, grouped by scale."""
    lines = ["# Benchmark results", ""]
    if host:
        lines += [
            f"Machine: {host['cpu']}, {host['cores']} cores, {host['memory_gib']} GiB RAM, {host['os']}, "
            f"Python {host['python']} (load average {host['load_average_1m']} when the last run started; "
            "the machine is shared with other jobs, so absolute timings are noisy: the targets are ratios).",
            "",
        ]
    lines += ["Generated by `make bench`; see docs/performance.md for what each figure means.", ""]
    for scale in dict.fromkeys(m.scale for m in records):
        lines += [
            f"## Scale {scale}",
            "",
            "| benchmark | name | value | unit | target | met | measured at | note |",
            "|---|---|---:|---|---|---|---|---|",
        ]
        for m in (m for m in records if m.scale == scale):
            met = "" if m.met is None else ("yes" if m.met else "**NO**")
            note = m.note.replace("|", "\\|").replace("\n", " ")
            lines.append(
                f"| {m.benchmark} | {m.name} | {_fmt(m.value)} | {m.unit} | {m.target or ''} | {met} "
                f"| {m.measured_at} | {note} |"
            )
        lines.append("")
    return "\n".join(lines)


def write(
    new: list[Measurement], results_dir: Path = RESULTS_DIR, host: dict | None = None, doc: Path | None = None
) -> list[Measurement]:
    """Merge ``new`` into ``latest.json``, regenerate ``latest.md`` (and the table in ``doc``); return all."""
    results_dir.mkdir(parents=True, exist_ok=True)
    json_path = results_dir / "latest.json"
    records = merge(load(json_path), new)
    json_path.write_text(json.dumps([asdict(m) for m in records], indent=2, ensure_ascii=False) + "\n", "utf-8")
    table = markdown(records, host)
    (results_dir / "latest.md").write_text(table, encoding="utf-8")
    if doc is not None:
        update_doc(doc, table)
    return records


def update_doc(doc: Path, table: str) -> None:
    """Replace the text between the result markers of ``doc`` with ``table`` (its title dropped)."""
    text = doc.read_text(encoding="utf-8")
    if DOC_START not in text or DOC_END not in text:
        raise ValueError(f"{doc} has no {DOC_START} ... {DOC_END} markers to put the results between")
    body = "\n".join(line for line in table.splitlines() if not line.startswith("# ")).strip()
    body = body.replace("## Scale", "### Scale")
    head, rest = text.split(DOC_START, 1)
    _, tail = rest.split(DOC_END, 1)
    doc.write_text(f"{head}{DOC_START}\n{body}\n{DOC_END}{tail}", encoding="utf-8")
