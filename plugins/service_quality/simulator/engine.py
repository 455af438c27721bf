"""Drive a simulation: roster snapshots, the days (in worker processes), weekly audit batches,
defect injection, and the truth written beside the landing zone.

Memory stays bounded at any scale: a day is generated, written and dropped; only the roster, the list
of deliveries and the current weeks' audit visits are kept.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import multiprocessing
import os
import random
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from service_quality.simulator import appeals as appeal_exports
from service_quality.simulator import defects as defect_injection
from service_quality.simulator.catalog import build_catalog
from service_quality.simulator.checklist import SEEDS_DIR, load_checklist
from service_quality.simulator.facts import AGENCY_NAMES, DayResult, Visit, World, simulate_day
from service_quality.simulator.files import SOURCES, Delivery, deliver, epoch
from service_quality.simulator.roster import assignment_snapshot, build_roster, employee_snapshot, store_snapshot
from service_quality.simulator.scales import PK_BRANDS, SCALES

log = logging.getLogger(__name__)

#: Raised when the same parameters give other files (2: personal data in some comments; 3: survey comments
#: written from themes, their truth in truth/comment_themes.jsonl; 4: appeals, their truth in truth/appeals.jsonl).
GENERATOR_VERSION = 4


@dataclass
class Summary:
    """What a simulation wrote (returned to Python callers; the CLI prints it)."""

    scale: str
    start: date
    end: date
    seed: int
    defects: float
    out: Path
    landing: Path
    truth: Path
    files: int
    rows: dict[str, int]
    cases: int
    seconds: float
    deliveries: list[Delivery] = field(repr=False, default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def checklist_switch_date(start: date, end: date) -> date:
    """The second checklist version starts on the first of the month nearest the period's middle."""
    middle = start + (end - start) / 2
    switch = date(middle.year, middle.month, 1)
    if switch <= start:
        switch = date(switch.year + switch.month // 12, switch.month % 12 + 1, 1)
    return switch


class _AuditBatches:
    """Agencies send a weekly batch (Monday-Sunday of local visit dates) on the following Wednesday.

    A disputed visit is re-sent with its final status in the batch of the week it was resolved.
    """

    def __init__(self, world: World, planner: appeal_exports.AppealPlanner) -> None:
        self.world = world
        self.planner = planner
        self.weeks: dict[tuple[str, date], dict[str, list]] = {}
        self.deliveries: list[Delivery] = []

    def _week(self, agency: str, day: date) -> dict[str, list]:
        monday = day - timedelta(days=day.weekday())
        return self.weeks.setdefault((agency, monday), {"visits": [], "answers": [], "resolutions": []})

    def add(self, visit: Visit) -> None:
        week = self._week(visit.agency, visit.local_date)
        week["visits"].append(visit)
        week["answers"].extend(visit.answers)
        if visit.resolution_date is not None:
            resolved = visit.row.copy()
            resolved[-1] = visit.resolution_status
            self._week(visit.agency, visit.resolution_date)["resolutions"].append(resolved)

    def flush(self, today: date | None = None) -> None:
        """Write every batch whose week ended before ``today`` (all of them when ``today`` is None)."""
        for key in sorted(self.weeks):
            agency, monday = key
            if today is not None and monday + timedelta(days=7) > today:
                continue
            week = self.weeks.pop(key)
            rng = random.Random(f"{self.world.seed}|audit|{agency}|{monday.isoformat()}")
            late = rng.random() < 0.05
            arrived = epoch(monday + timedelta(days=9 + (rng.randint(1, 4) if late else 0)), rng.uniform(9.0, 12.0))
            year, number, _ = monday.isocalendar()
            label = f"{year}W{number:02d}"
            kind = "late" if late else "regular"
            rows = [v.row for v in week["visits"]] + week["resolutions"]
            if not rows:
                continue
            record, _ = deliver(
                self.world.landing, "audit_visits", f"audit_visits_{agency}_{label}.csv", rows, arrived, kind, label
            )
            if week["resolutions"]:
                record.kind = "resolution" if not week["visits"] else kind
            self.deliveries.append(record)
            # the appeals need each visit's first arrival and the rows that carry it
            for number, visit in enumerate(week["visits"], start=1):
                self.planner.observe(visit, record.file, number, arrived)
            for number, resolved in enumerate(week["resolutions"], start=len(week["visits"]) + 1):
                self.planner.observe_resolution(resolved[0], record.file, number)
            if week["answers"]:
                record, _ = deliver(
                    self.world.landing,
                    "audit_answers",
                    f"audit_answers_{agency}_{label}.csv",
                    week["answers"],
                    arrived + 60,
                    kind,
                    label,
                )
                self.deliveries.append(record)
                for visit in week["visits"]:
                    self.planner.observe_answers(visit.row[0], record.file)


def _touched_visits(planner: appeal_exports.AppealPlanner, cases: list[dict]) -> set[str]:
    """The kept visits whose batch, answers or resolution file (or row in it) carries an injected case."""
    whole = {str(case["file"]) for case in cases if case["row"] is None or case["source"] == "audit_answers"}
    rows = {(str(case["file"]), case["row"]) for case in cases if case["row"] is not None}
    return {
        facts.visit_id
        for facts in planner.visits.values()
        if any(file in whole or (file, row) in rows for file, row in facts.files)
    }


_WORLD: World | None = None


def _run_day(day: date) -> DayResult:
    assert _WORLD is not None
    return simulate_day(_WORLD, day)


def _prepare(out: Path, overwrite: bool) -> tuple[Path, Path]:
    landing, truth = out / "landing", out / "truth"
    for folder in (landing, truth):
        if folder.exists() and any(folder.iterdir()):
            if not overwrite:
                raise FileExistsError(f"{folder} is not empty; choose another --out or pass --overwrite")
            shutil.rmtree(folder)
    landing.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    return landing, truth


def _write_snapshots(world: World) -> list[Delivery]:
    deliveries = []
    roster = world.roster
    first_with: dict[tuple[str, str], str] = {}  # (source, sha256) -> the first snapshot with these bytes
    for as_of in roster.snapshot_dates:
        rng = random.Random(f"{world.seed}|snapshot|{as_of.isoformat()}")
        arrived = epoch(as_of, rng.uniform(0.25, 0.75))
        ymd = as_of.strftime("%Y%m%d")
        for offset, (source, rows) in enumerate(
            (
                ("stores", store_snapshot(roster, as_of)),
                ("employees", employee_snapshot(roster, as_of)),
                ("assignments", assignment_snapshot(roster, as_of)),
            )
        ):
            record, data = deliver(
                world.landing, source, f"{source}_{ymd}.csv", rows, arrived + offset, "snapshot", as_of.isoformat()
            )
            # an unchanged list is the same bytes as last month's: the ingestion sees a duplicate
            record.duplicate_of = first_with.setdefault((source, hashlib.sha256(data).hexdigest()), record.file)
            if record.duplicate_of == record.file:
                record.duplicate_of = ""
            deliveries.append(record)
    return deliveries


def _write_truth(
    truth: Path,
    world: World,
    deliveries: list[Delivery],
    cases: list[dict],
    manifest: dict[str, object],
    comments: list[dict],
    appeals: list[dict],
) -> None:
    roster = world.roster
    with (truth / "employees.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(
            [
                "employee_code",
                "full_name",
                "badge_name",
                "skill",
                "hired_on",
                "terminated_on",
                "is_customer_facing",
                "short_tenure",
                "stores",
                "roles",
                *[f"skill_{brand.lower()}" for brand, _ in PK_BRANDS],
            ]
        )
        for e in roster.employees:
            writer.writerow(
                [
                    e.code,
                    e.full_name,
                    e.badge_name,
                    f"{e.skill:.4f}",
                    e.hired_on.isoformat(),
                    e.terminated_on.isoformat() if e.terminated_on else "",
                    "true" if e.is_customer_facing else "false",
                    "true" if e.short_tenure else "false",
                    "|".join(a.store_code for a in e.assignments),
                    "|".join(a.role for a in e.assignments),
                    *[f"{e.skill + b:.4f}" for b in e.brand_skill],
                ]
            )
    with (truth / "stores.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(
            ["store_code", "format", "timezone", "opened_on", "closed_on", "effect", "traffic_factor", "agency"]
        )
        for s in roster.stores:
            writer.writerow(
                [
                    s.code,
                    s.format,
                    s.timezone,
                    s.opened_on.isoformat(),
                    s.closed_on.isoformat() if s.closed_on else "",
                    f"{s.effect:.4f}",
                    f"{world.traffic_factor[s.code]:.4f}",
                    AGENCY_NAMES[s.agency],
                ]
            )
    with (truth / "deliveries.csv").open("w", encoding="utf-8", newline="") as f:
        fields = list(deliveries[0].as_row()) if deliveries else ["file"]
        writer = csv.DictWriter(f, fields, lineterminator="\n")
        writer.writeheader()
        for d in sorted(deliveries, key=lambda d: (d.arrived_at, d.file)):
            writer.writerow(d.as_row())
    with (truth / "cases.jsonl").open("w", encoding="utf-8") as f:
        for case in cases:
            f.write(json.dumps(case, ensure_ascii=False, sort_keys=True) + "\n")
    with (truth / "comment_themes.jsonl").open("w", encoding="utf-8") as f:
        for comment in comments:  # the comment as written, before any personal data was typed into it
            f.write(json.dumps(comment, ensure_ascii=False, sort_keys=True) + "\n")
    with (truth / "appeals.jsonl").open("w", encoding="utf-8") as f:
        for appeal in appeals:
            f.write(json.dumps(appeal, ensure_ascii=False, sort_keys=True) + "\n")
    (truth / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    # the truth is "as of" the last arrival, so a rerun reproduces its modification times too
    written = max((d.arrived_at for d in deliveries), default=0)
    for path in truth.iterdir():
        os.utime(path, (written, written))


def simulate(
    scale: str,
    start: date,
    end: date,
    seed: int = 42,
    defects: float = 0.0,
    out: Path | str = "simulated",
    *,
    workers: int | None = None,
    progress: bool = False,
    overwrite: bool = False,
) -> Summary:
    """Write a simulated chain's landing zone to ``out/landing`` and its truth to ``out/truth``.

    Deterministic: the same arguments give the same bytes and the same file modification times,
    whatever the number of ``workers``.
    """
    began = time.monotonic()
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    if not 0.0 <= defects <= 1.0:
        raise ValueError(f"--defects {defects} must be a share between 0 and 1")
    profile = SCALES[scale]
    out = Path(out)
    landing, truth = _prepare(out, overwrite)
    roster = build_roster(profile, start, end, seed)
    world = World(
        roster=roster,
        catalog=build_catalog(seed),
        checklist=load_checklist(SEEDS_DIR),
        seed=seed,
        landing=landing,
        switch_date=checklist_switch_date(start, end),
    )
    deliveries = _write_snapshots(world)
    comments: list[dict] = []
    planner = appeal_exports.AppealPlanner(world)
    audits = _AuditBatches(world, planner)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    workers = max(1, workers if workers is not None else profile.workers)

    global _WORLD
    _WORLD = world
    pool = multiprocessing.get_context("fork").Pool(workers) if workers > 1 and len(days) > 1 else None
    try:
        results = pool.imap(_run_day, days, chunksize=1) if pool else (simulate_day(world, d) for d in days)
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(days), unit="day", desc=f"simulate {scale}")
        for result in results:
            deliveries.extend(result.deliveries)
            comments.extend(result.comments)
            for visit in result.visits:
                audits.add(visit)
            audits.flush(result.day)
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
    finally:
        if pool is not None:
            pool.close()
            pool.join()
        _WORLD = None
    audits.flush()
    deliveries.extend(audits.deliveries)

    cases, extra = defect_injection.inject(landing, deliveries, defects, seed)
    deliveries.extend(extra)
    # appeals are made on visits no injected case touches, so the truth of §8 is what was written
    appeals = appeal_exports.generate(world, planner, _touched_visits(planner, cases))
    horizon = max((d.arrived_at for d in deliveries), default=0)  # the exports end with the other sources
    exports, decision_files = appeal_exports.write_exports(world, appeals, horizon)
    cases.extend(defect_injection.inject_appeal_defects(landing, exports, defects, seed))
    cases.sort(key=lambda r: (str(r["file"]), r["row"] or 0))
    deliveries.extend(exports)
    deliveries.sort(key=lambda d: (d.arrived_at, d.file))
    appeal_truth = appeal_exports.truth(world, appeals, decision_files, deliveries)

    rows: dict[str, int] = dict.fromkeys(SOURCES, 0)
    files: dict[str, int] = dict.fromkeys(SOURCES, 0)
    for d in deliveries:
        rows[d.source] += d.rows
        files[d.source] += 1
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "parameters": {
            "scale": scale,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "seed": seed,
            "defects": defects,
        },
        "checklist": {"versions": world.checklist.version_names, "second_version_from": world.switch_date.isoformat()},
        "chain": {
            "stores": len(roster.stores),
            "employees": len(roster.employees),
            "customer_facing": sum(e.is_customer_facing for e in roster.employees),
            "regions": sorted({s.region for s in roster.stores}),
            "timezones": sorted({s.timezone for s in roster.stores}),
        },
        "sources": {s: {"files": files[s], "rows": rows[s]} for s in SOURCES},
        "delivery_kinds": dict(sorted(Counter(d.kind for d in deliveries).items())),
        "cases": dict(sorted(Counter(c["case"] for c in cases).items())),
        "expected": dict(sorted(Counter(c["expected"] for c in cases).items())),
        "appeals": appeal_exports.summary(appeal_truth, deliveries),
        "truth_files": [
            "employees.csv",
            "stores.csv",
            "deliveries.csv",
            "cases.jsonl",
            "comment_themes.jsonl",
            "appeals.jsonl",
            "manifest.json",
        ],
    }
    _write_truth(truth, world, deliveries, cases, manifest, comments, appeal_truth)
    summary = Summary(
        scale=scale,
        start=start,
        end=end,
        seed=seed,
        defects=defects,
        out=out,
        landing=landing,
        truth=truth,
        files=len(deliveries),
        rows=rows,
        cases=len(cases),
        seconds=time.monotonic() - began,
        deliveries=deliveries,
    )
    log.info(
        "simulated %s %s..%s: %d files, %d rows, %d cases in %.1f s",
        scale,
        start,
        end,
        summary.files,
        summary.total_rows,
        summary.cases,
        summary.seconds,
    )
    return summary
