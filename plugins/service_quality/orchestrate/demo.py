"""The demo: simulate the S chain for one year plus a quarter (defects on), run the whole pipeline on it
through Airflow (``sqw run``), and print what the marts say: best and worst stores of the last month by
NPS and by mean visit score, the grade distribution and the award winners.

Uses the embedded warehouse unless AIRFLOW_CONN_WAREHOUSE is set. The simulated landing zone is kept in
.local/demo and reused by the next demo (same seed, same bytes), so a second demo only re-runs the pipeline,
which then changes nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

from service_quality.paths import DEMO_DIR

START = date(2025, 1, 1)
END = date(2026, 3, 31)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", default="S", choices=["XS", "S", "M", "L"], help="chain size (default S)")
    parser.add_argument("--start", type=date.fromisoformat, default=START, help=f"first day (default {START})")
    parser.add_argument("--end", type=date.fromisoformat, default=END, help=f"last day (default {END})")
    parser.add_argument("--seed", type=int, default=7, help="simulation seed")
    parser.add_argument("--defects", type=float, default=0.02, help="share of deliveries with an injected defect")
    parser.add_argument("--out", type=Path, default=DEMO_DIR, help="where the simulated chain is written")
    parser.add_argument("--skip-docs", action="store_true", help="do not regenerate the dbt docs")


def simulate_once(args: argparse.Namespace) -> Path:
    """The landing zone, simulated unless this exact simulation is already there.

    The simulation runs as ``sqw simulate`` in a process group of its own, so an interruption stops it and
    its worker processes at once. The marker says "incomplete" until it has finished: the next demo then
    replaces the partial folder instead of using it.
    """
    marker = args.out / "simulation.txt"
    from service_quality.simulator.engine import GENERATOR_VERSION

    wanted = (
        f"scale={args.scale} start={args.start} end={args.end} seed={args.seed} defects={args.defects}"
        f" generator={GENERATOR_VERSION}\n"
    )
    landing = args.out / "landing"
    if landing.is_dir() and marker.exists() and marker.read_text() == wanted:
        print(f"simulated chain already in {landing} ({wanted.strip()})", flush=True)
        return landing
    print(f"simulating the {args.scale} chain, {args.start} … {args.end}, defects {args.defects:.0%}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    replace = marker.exists()  # an earlier demo's simulation (maybe an interrupted one), never a user's folder
    marker.write_text(f"incomplete {wanted}")
    command = [
        *(sys.executable, "-m", "service_quality.cli", "simulate", "--no-progress"),
        *("--scale", args.scale, "--start", str(args.start), "--end", str(args.end)),
        *("--seed", str(args.seed), "--defects", str(args.defects), "--out", str(args.out)),
        *(["--overwrite"] if replace else []),
    ]
    simulation = subprocess.Popen(command, start_new_session=True)
    try:
        status = simulation.wait()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(simulation.pid, signal.SIGKILL)
        simulation.wait()
        raise
    if status != 0:
        raise RuntimeError(f"the simulation failed (exit {status}): {' '.join(command[2:])}")
    marker.write_text(wanted)
    return landing


MARTS_QUERY = """
with last_month as (select max(month_start) as month_start from service_quality.fct_store_months where nps_n > 0),
ranked as (
    select m.month_label, m.store_code, s.store_name, m.region, m.nps, m.nps_n, m.mean_visit_score_pct,
        m.validated_visits
    from service_quality.fct_store_months m
    join last_month using (month_start)
    left join service_quality.dim_stores s using (store_code)
)
select * from ranked
"""


def marts_table(dsn) -> str:
    """Best and worst stores of the last month by NPS and by mean visit score, from the marts."""
    with dsn.connect() as conn:
        rows = conn.execute(MARTS_QUERY).fetchall()
    if not rows:
        return "Marts: no store-month with survey responses yet."
    month = rows[0][0]
    out = [f"Stores in {month} (service_quality.fct_store_months):"]

    def block(title: str, key: int, n_key: int, unit: str) -> None:
        scored = [r for r in rows if r[key] is not None]
        scored.sort(key=lambda r: (-float(r[key]), r[1]))
        out.append(f"  {title}")
        picks = [("best ", r) for r in scored[:3]] + [("worst", r) for r in scored[-3:][::-1] if r not in scored[:3]]
        for label, r in picks:
            out.append(
                f"    {label} {r[1]:<12} {(r[2] or '')[:28]:<28} {r[3]:<14} {float(r[key]):7.1f}{unit}  (n={r[n_key]})"
            )

    block("by NPS", 4, 5, "   ")
    block("by mean visit score", 6, 7, " %")
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    from service_quality.orchestrate.commands import KEPT, Interrupted, execute, interrupted_message, interruptible
    from service_quality.orchestrate.pipeline import print_error
    from service_quality.warehouse import connection

    # The demo chain is Russian: its reports and staff statements are rendered in Russian unless the
    # Airflow Variable report_locale is already set (the Airflow processes inherit this environment).
    os.environ.setdefault("AIRFLOW_VAR_REPORT_LOCALE", "ru")
    with interruptible():
        try:
            landing = simulate_once(args)
        except RuntimeError as error:
            print_error(f"FAILED: {error}")
            return 1
        except Interrupted as stop:
            kept = "nothing was loaded yet, the next demo simulates the chain again"
            print_error(interrupted_message(stop, "sqw demo", f"the simulation of the {args.scale} chain", kept))
            return stop.exit_code
        status = execute(landing, args.start, args.end, skip_docs=args.skip_docs, command="sqw demo")
        if status != 0:
            return status
        try:
            table = marts_table(connection.resolve())
        except Interrupted as stop:
            print_error(interrupted_message(stop, "sqw demo", "the marts table", KEPT))
            return stop.exit_code
    print()
    print(table, flush=True)
    return 0
