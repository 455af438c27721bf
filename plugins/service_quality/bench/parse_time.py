"""Parse time of each DAG file, measured the way Airflow's DAG processor spends it.

The DAG processor re-parses every file every ``refresh_interval``; a slow file delays every DAG.
Airflow 3's processor imports Airflow once, pre-imports the ``airflow.*`` modules a file names
(``[dag_processor] parsing_pre_import_modules``), then forks a child per file that imports the file
(``BundleDagBag``) and serializes its DAGs. This does the same: one interpreter imports the processor,
and per parse forks a child that imports the one file and serializes what it defines (nothing of an
earlier parse is cached). The figure per file is that child's work: import plus serialization, wall
time, with its CPU time beside it (on a loaded machine the wall time is inflated, the CPU time is not:
a CPU time under the target means the file is fast enough and the machine was busy). The transform
DAG is parsed from the dbt manifest, as deployed (written first, as ``make`` and ``sqw run`` do).
Each file is parsed ``REPEATS`` times; the median counts. Target: under 1 s per file; the worst file
is the headline figure. A file over the target is profiled with pyinstrument (``benchmarks/work/profiles/``).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
from pathlib import Path

from service_quality.bench.results import Measurement, measure
from service_quality.bench.workspace import airflow_env, python, work_dir
from service_quality.paths import DAGS_DIR, ROOT

BENCHMARK = "parse"
TARGET = "< 1"
REPEATS = 3
#: how many of the files over the target get a pyinstrument profile (the slowest first)
PROFILED_MISSES = 2

#: What the processor does for one file, reported as a JSON line (used in the forked children and for profiles).
_PARSE_ONE = """
import json, os, sys, time
from pathlib import Path

from airflow.configuration import conf
from airflow.dag_processing.dagbag import BundleDagBag
from airflow.serialization.serialized_objects import DagSerialization
from airflow.utils.file import iter_airflow_imports


def pre_import(path):
    # In the processor's parent, before it forks the child for this file.
    if conf.getboolean("dag_processor", "parsing_pre_import_modules", fallback=True):
        for module in iter_airflow_imports(path):
            try:
                __import__(module)
            except Exception:
                pass


def parse_one(path):
    os.environ["_AIRFLOW_PROCESS_CONTEXT"] = "client"  # as the processor's child marks itself
    started, cpu_started = time.perf_counter(), time.process_time()
    bag = BundleDagBag(dag_folder=path, bundle_path=Path(path).parent, bundle_name="dags-folder", load_op_links=False)
    imported = time.perf_counter()
    for dag in bag.dags.values():
        DagSerialization.to_dict(dag)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    stats = bag.dagbag_stats
    return {
        "parse_s": wall,
        "cpu_s": cpu,
        "dagbag_s": stats[0].duration.total_seconds() if stats else imported - started,
        "serialize_s": started + wall - imported,
        "dags": sorted(bag.dag_ids),
        "tasks": sum(s.task_num for s in stats),
        "errors": {k: str(v)[-500:] for k, v in bag.import_errors.items()},
    }
"""

#: The processor's modules imported once; every parse in a child forked from here, its result sent back through a pipe.
_PROBE = (
    _PARSE_ONE
    + """
import gc

import airflow.dag_processing.processor

gc.freeze()  # as the DAG processor does before its parsing loop: children do not traverse its objects

repeats = int(sys.argv[1])
for path in sys.argv[2:]:
    pre_import(path)
    for _ in range(repeats):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            try:
                result = parse_one(path)
            except BaseException as exc:
                result = {"errors": {path: repr(exc)}, "parse_s": None}
            os.write(write_end, json.dumps(result).encode())
            os._exit(0)
        os.close(write_end)
        chunks = []
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
        os.close(read_end)
        os.waitpid(pid, 0)
        print("SQW_PARSE_RESULT " + json.dumps({"path": path, **json.loads(b"".join(chunks) or b"{}")}), flush=True)
"""
)
#: The profile covers the parse only: Airflow's own import (tens of seconds on a busy machine) is done first.
_PROFILE_SCRIPT = (
    _PARSE_ONE
    + """
import gc

from pyinstrument import Profiler

pre_import(sys.argv[1])
gc.freeze()
profiler = Profiler()
profiler.start()
parse_one(sys.argv[1])
profiler.stop()
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write(profiler.output_text(unicode=False, color=False))
"""
)


def dag_files(dags_dir: Path = DAGS_DIR) -> list[Path]:
    return sorted(p for p in dags_dir.glob("*.py") if not p.name.startswith("_"))


def parse_all(paths: list[Path], env: dict[str, str], repeats: int) -> dict[str, list[dict]]:
    """``repeats`` forked parses of every file; results by path."""
    result = subprocess.run(
        [python(), "-c", _PROBE, str(repeats), *map(str, paths)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=ROOT,
    )
    runs: dict[str, list[dict]] = {}
    for line in result.stdout.splitlines():
        if line.startswith("SQW_PARSE_RESULT "):
            data = json.loads(line.split(" ", 1)[1])
            runs.setdefault(data["path"], []).append(data)
    missing = [p.name for p in paths if len(runs.get(str(p), [])) < repeats]
    if missing:
        raise RuntimeError(f"parsing {missing} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return runs


def profile(path: Path, env: dict[str, str], out_dir: Path) -> Path:
    """A pyinstrument profile of one parse, for a file that misses the target."""
    out_dir.mkdir(parents=True, exist_ok=True)
    probe = out_dir / f"parse_profile_{path.stem}.py"
    probe.write_text(_PROFILE_SCRIPT, encoding="utf-8")
    out = out_dir / f"parse_{path.stem}.txt"
    subprocess.run(
        [python(), str(probe), str(path), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    return out


def deployed_manifest() -> Path:
    """The dbt manifest the transform DAG is rendered from, written first when the project changed."""
    from service_quality.transform.cosmos import ensure_manifest

    manifest, _ = ensure_manifest()
    return manifest


def run(scale: str, repeats: int = REPEATS, files: list[Path] | None = None, profile_misses: bool = True):
    """Measure every DAG file; returns one record per file plus the worst (wall and CPU)."""
    home = work_dir("airflow-parse")
    env = airflow_env(home)
    env["SQW_DBT_MANIFEST"] = str(deployed_manifest())
    records: list[Measurement] = []
    worst: tuple[float, str] = (0.0, "")
    worst_cpu: tuple[float, str] = (0.0, "")
    load = round(os.getloadavg()[0], 1)
    paths = files if files is not None else dag_files()
    all_runs = parse_all(paths, env, repeats)
    by_name = {f"parse_s[{p.name}]": p for p in paths}
    for path in paths:
        runs = all_runs[str(path)]
        # Results are committed: name files relative to the repository, never by this checkout's path.
        errors = {k.replace(f"{ROOT}/", ""): v.replace(f"{ROOT}/", "") for k, v in runs[-1]["errors"].items()}
        seconds = statistics.median(r["parse_s"] or 0.0 for r in runs)
        cpu = statistics.median(r.get("cpu_s") or 0.0 for r in runs)
        detail = {
            "file": path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name,
            "runs_s": [round(r["parse_s"] or 0.0, 4) for r in runs],
            "cpu_s": [round(r.get("cpu_s") or 0.0, 4) for r in runs],
            "dagbag_s": [round(r.get("dagbag_s") or 0.0, 4) for r in runs],
            "serialize_s": [round(r.get("serialize_s") or 0.0, 4) for r in runs],
            "load_average_1m_at_start": load,
            "dags": runs[-1].get("dags", []),
            "tasks": runs[-1].get("tasks", 0),
        }
        note = f"median of {repeats} parses (import + serialization), each in a freshly forked process; CPU {cpu:.3f} s"
        if errors:
            detail["import_errors"] = errors
            note = "IMPORT ERROR: " + next(iter(errors.values())).splitlines()[-1][:200]
        records.append(measure(BENCHMARK, f"parse_s[{path.name}]", seconds, "s", scale, TARGET, note, detail))
        if errors:
            seconds = cpu = float("inf")
        worst = max(worst, (seconds, path.name))
        worst_cpu = max(worst_cpu, (cpu, path.name))
    if profile_misses:
        # Each profile is a fresh interpreter (Airflow imported before the profiler starts): only the slowest misses.
        misses = sorted(
            (r for r in records if r.met is False and "import_errors" not in r.detail), key=lambda r: -r.value
        )
        for record in misses[:PROFILED_MISSES]:
            out = profile(by_name[record.name], env, work_dir("profiles"))
            record.detail["profile"] = out.relative_to(ROOT).as_posix() if out.is_relative_to(ROOT) else str(out)
    if records:
        broken = " (import error)" if worst[0] == float("inf") else ""
        records.append(
            measure(
                BENCHMARK,
                "parse_s_worst",
                min(worst[0], 999.0),
                "s",
                scale,
                TARGET,
                f"worst DAG file: {worst[1]}{broken}",
                {"files": len(records), "load_average_1m_at_start": load},
            )
        )
        records.append(
            measure(
                BENCHMARK,
                "parse_cpu_s_worst",
                min(worst_cpu[0], 999.0),
                "s",
                scale,
                TARGET,
                f"CPU time of the parse of {worst_cpu[1]}{broken}: the wall time on an idle core "
                f"(load average {load} on {os.cpu_count()} cores when measured)",
            )
        )
    return records
