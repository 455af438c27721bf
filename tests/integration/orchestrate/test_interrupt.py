"""``sqw run`` stops within seconds on SIGTERM or Ctrl-C, and leaves no process behind.

The command runs as a real subprocess with its own Airflow metadata and warehouse databases. While it
starts, the test records every process it spawns (PID, start time, process group); after the signal it
requires the exit code a shell expects (128 + signal), the one-line message, and that none of the
recorded processes or process groups is left.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from service_quality.paths import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.airflow, pytest.mark.slow]

#: The exit that is required after the signal; Airflow's components get a few seconds of it.
EXIT_WITHIN = 10.0


class Recorder:
    """Follows a process tree: every descendant ever seen, as (pid, start time, process group)."""

    def __init__(self, root_pid: int) -> None:
        self.root_pid = root_pid
        self.seen: dict[tuple[int, float], int] = {}

    def snapshot(self) -> None:
        import psutil

        try:
            children = psutil.Process(self.root_pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for child in children:
            try:
                self.seen[(child.pid, child.create_time())] = os.getpgid(child.pid)
            except (psutil.NoSuchProcess, ProcessLookupError):
                continue

    def left(self) -> list[str]:
        """Recorded processes still running, and any running process in a recorded process group."""
        import psutil

        groups = {self.root_pid, *self.seen.values()}
        found = []
        for process in psutil.process_iter(["pid", "create_time", "status", "cmdline"]):
            info = process.info
            if info["status"] == psutil.STATUS_ZOMBIE:  # ended; init reaps it
                continue
            try:
                group = os.getpgid(info["pid"])
            except ProcessLookupError:
                continue
            if (info["pid"], info["create_time"]) in self.seen or group in groups:
                found.append(f"{info['pid']} (group {group}): {' '.join(info['cmdline'] or [])[:120]}")
        return found


#: The progress lines that open a step, and the step's name as the interruption message gives it.
STEP = re.compile(r"^(starting Airflow|\d/4 [a-z_]+)")


@pytest.mark.parametrize(
    ("signum", "when", "settle"),
    [
        # Ctrl-C a few seconds into setting up Airflow (metadata migration, components starting).
        (signal.SIGINT, "starting Airflow", 5.0),
        # SIGTERM once every component is up, while the first DAG run (a few seconds long) is running.
        (signal.SIGTERM, "1/4 warehouse_bootstrap", 1.5),
    ],
    ids=["sigint-while-starting", "sigterm-while-running"],
)
def test_a_signal_stops_the_run_and_every_airflow_process(
    tmp_path, databases, sqw_run_environment, signum, when, settle
):
    landing = tmp_path / "landing"
    landing.mkdir()
    command = [sys.executable, "-m", "service_quality.cli", "run", "--landing", str(landing)]
    command += ["--from", "2025-01-01", "--to", "2025-01-31", "--skip-docs"]
    metadata = databases.create("sqw_test_interrupt_airflow")
    run = subprocess.Popen(
        command,
        env=sqw_run_environment(
            tmp_path / "local", databases.create("sqw_test_interrupt_wh"), metadata, "interrupt-test-key-not-a-secret"
        ),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: no process of it may survive in that group
    )
    stdout: list[str] = []
    stderr: list[str] = []
    readers = [
        threading.Thread(target=lambda: stdout.extend(run.stdout), daemon=True),
        threading.Thread(target=lambda: stderr.extend(run.stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()
    recorder = Recorder(run.pid)
    try:
        deadline = time.monotonic() + 600
        while not any(line.startswith(when) for line in stdout):
            assert run.poll() is None, f"sqw run ended before {when!r}:\n{''.join(stdout)}{''.join(stderr)[-3000:]}"
            assert time.monotonic() < deadline, f"no {when!r} within 600 s:\n{''.join(stdout)}"
            recorder.snapshot()
            time.sleep(0.2)
        # Into the step, so that its processes (migration, components, tasks) exist.
        settled = time.monotonic() + settle
        while time.monotonic() < settled:
            recorder.snapshot()
            time.sleep(0.2)
        assert recorder.seen, "sqw run started no process"
        # The step running when the signal goes out (a quick step may have ended during the settling).
        running = [m.group(1) for line in list(stdout) if (m := STEP.match(line))][-1]
        sent = time.monotonic()
        run.send_signal(signum)
        run.wait(timeout=60)
        took = time.monotonic() - sent
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    for reader in readers:
        reader.join(timeout=10)
    output = "".join(stdout) + "".join(stderr)

    assert took < EXIT_WITHIN, f"sqw run took {took:.1f} s to stop:\n{output[-3000:]}"
    assert run.returncode == 128 + signum, output[-3000:]
    message = [line for line in stderr if line.startswith("INTERRUPTED")]
    # the step that was running, or one that began while the signal was on its way
    steps = [m.group(1) for line in stdout if (m := STEP.match(line))]
    possible = steps[steps.index(running) :]
    assert len(message) == 1 and any(
        message[0]
        == f"INTERRUPTED by {signal.Signals(signum).name} during {step}: sqw run stopped; the local Airflow and its "
        "tasks are stopped, every step committed before is kept in the warehouse: run the same command again "
        "to continue.\n"
        for step in possible
    ), output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert recorder.left() == [], f"processes left behind by sqw run ({len(recorder.seen)} recorded)"
    # The next run's scheduler would resume a run left queued or running, next to the ones it triggers.
    with metadata.connect() as conn:
        exists = conn.execute("select to_regclass('dag_run') is not null").fetchone()[0]
        runs = conn.execute("select dag_id, state from dag_run").fetchall() if exists else []
    assert [r for r in runs if r[1] in ("queued", "running")] == []
    if "during 1/4 warehouse_bootstrap" in message[0]:
        assert ("warehouse_bootstrap", "failed") in runs, runs
