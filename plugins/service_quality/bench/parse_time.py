"""Parse time of each DAG file, as Airflow's DagBag records it, in a fresh interpreter each time.

The DAG processor re-parses every file every ``refresh_interval``; a slow file delays every DAG.
Each file is parsed in a new subprocess (nothing cached from an earlier parse, like a fresh
processor), with Airflow itself already imported (the processor has it loaded too), ``REPEATS`` times;
the median counts. Target: under 1 s per file; the worst file is the headline figure. A file over
the target is profiled with pyinstrument (``benchmarks/work/profiles/``).
"""

from __future__ import annotations

import json
import statistics
import subprocess
from pathlib import Path

from service_quality.bench.results import Measurement, measure
from service_quality.bench.workspace import airflow_env, python, work_dir
from service_quality.paths import DAGS_DIR, ROOT

BENCHMARK = "parse"
TARGET = "< 1"
REPEATS = 3

#: Runs in the fresh subprocess: import Airflow, then let a DagBag parse the one file and report.
_PROBE = """
import json, sys, time
from airflow.dag_processing.dagbag import DagBag
started = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
wall = time.perf_counter() - started
stats = bag.dagbag_stats
print("SQW_PARSE_RESULT " + json.dumps({
    "parse_s": stats[0].duration.total_seconds() if stats else wall,
    "wall_s": wall,
    "dags": sorted(bag.dag_ids),
    "tasks": sum(s.task_num for s in stats),
    "errors": {k: str(v)[-500:] for k, v in bag.import_errors.items()},
}))
"""


def dag_files(dags_dir: Path = DAGS_DIR) -> list[Path]:
    return sorted(p for p in dags_dir.glob("*.py") if not p.name.startswith("_"))


def parse_once(path: Path, env: dict[str, str]) -> dict:
    result = subprocess.run(
        [python(), "-c", _PROBE, str(path)], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    for line in result.stdout.splitlines():
        if line.startswith("SQW_PARSE_RESULT "):
            return json.loads(line.split(" ", 1)[1])
    raise RuntimeError(f"parsing {path.name} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")


def profile(path: Path, env: dict[str, str], out_dir: Path) -> Path:
    """A pyinstrument profile of one parse, for a file that misses the target."""
    out_dir.mkdir(parents=True, exist_ok=True)
    probe = out_dir / "parse_probe.py"
    probe.write_text(_PROBE, encoding="utf-8")
    out = out_dir / f"parse_{path.stem}.txt"
    subprocess.run(
        [python(), "-m", "pyinstrument", "-r", "text", "-o", str(out), str(probe), str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    return out


def run(scale: str, repeats: int = REPEATS, files: list[Path] | None = None, profile_misses: bool = True):
    """Measure every DAG file; returns one record per file plus the worst."""
    home = work_dir("airflow-parse")
    env = airflow_env(home)
    records: list[Measurement] = []
    worst: tuple[float, str] = (0.0, "")
    for path in files if files is not None else dag_files():
        runs = [parse_once(path, env) for _ in range(repeats)]
        errors = runs[-1]["errors"]
        seconds = statistics.median(r["parse_s"] for r in runs)
        detail = {
            "file": path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name,
            "runs_s": [round(r["parse_s"], 4) for r in runs],
            "dags": runs[-1]["dags"],
            "tasks": runs[-1]["tasks"],
        }
        note = f"median of {repeats} fresh parses"
        if errors:
            detail["import_errors"] = errors
            note = "IMPORT ERROR: " + next(iter(errors.values())).splitlines()[-1][:200]
        if profile_misses and not errors and seconds >= 1.0:
            out = profile(path, env, work_dir("profiles"))
            detail["profile"] = out.relative_to(ROOT).as_posix() if out.is_relative_to(ROOT) else str(out)
        records.append(measure(BENCHMARK, f"parse_s[{path.name}]", seconds, "s", scale, TARGET, note, detail))
        if errors:
            seconds = float("inf")
        worst = max(worst, (seconds, path.name))
    if records:
        value = worst[0] if worst[0] != float("inf") else 999.0
        records.append(
            measure(
                BENCHMARK,
                "parse_s_worst",
                value,
                "s",
                scale,
                TARGET,
                f"worst DAG file: {worst[1]}" + (" (import error)" if worst[0] == float("inf") else ""),
                {"files": len(records)},
            )
        )
    return records
