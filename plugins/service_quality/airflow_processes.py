"""Airflow's components as child processes of one command: started and stopped as process groups.

The local Airflow behind ``sqw run`` (:mod:`service_quality.orchestrate.airflow_runtime`) and the Celery
cluster of the scale-out proof (:mod:`service_quality.proofs.celery_cluster`) both start Airflow's
components (api-server, scheduler, workers, ...) on this machine. Each component leads a process group of
its own, so that stopping it reaches the processes it started (Celery children, API workers); its output
goes to ``<log_dir>/<name>.log``; the kernel stops it when the command dies, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path


def free_port() -> int:
    """A TCP port nobody listens on right now (never 8080: a developer's Airflow may use it)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port != 8080:
            return port


def airflow_executable() -> str:
    """The ``airflow`` of this interpreter's environment, else the one on ``PATH``."""
    beside = Path(sys.executable).parent / "airflow"
    return str(beside) if beside.exists() else "airflow"


def _die_with_parent() -> None:
    """Run in each component before exec: the kernel stops it when the command dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the normal stop() still applies
        pass


def start(name: str, command: list[str], env: Mapping[str, str], log_dir: Path) -> subprocess.Popen:
    """Start ``command`` as the leader of a new process group, its output appended to ``<log_dir>/<name>.log``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"{name}.log").open("ab") as out:
        process = subprocess.Popen(
            command,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    return process


def check_running(processes: Mapping[str, subprocess.Popen], log_dir: Path, lines: int = 20) -> None:
    """Raise, with the end of its log, when a component has exited."""
    for name, process in processes.items():
        if process.poll() is not None:
            log_file = log_dir / f"{name}.log"
            try:
                tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-lines:])
            except OSError:
                tail = ""
            raise RuntimeError(f"airflow {name} exited with code {process.returncode}; end of {log_file}:\n{tail}")


def group_alive(process: subprocess.Popen) -> bool:
    """Whether a process of the group ``process`` leads still runs."""
    try:
        os.killpg(process.pid, 0)  # started with start_new_session: pid == pgid
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def stop(processes: Iterable[subprocess.Popen], grace: float) -> list[subprocess.Popen]:
    """SIGTERM to each process group and to the processes that left it; SIGKILL after ``grace`` s.

    Returns the processes whose group had to be killed.

    Task processes run in sessions of their own, so they are found as descendants (before anything is
    signalled) and signalled one by one, at the same time as the groups. SIGINT and SIGTERM are held back
    meanwhile: a second Ctrl-C cannot leave components behind. A signal that came in is handled when the
    components are gone.
    """
    import psutil

    processes = list(processes)
    killed = []
    held = {signal.SIGINT, signal.SIGTERM}
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        children = _descendants(processes)
        for process in processes:
            _signal_group(process, signal.SIGTERM)
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.terminate()
        deadline = time.monotonic() + grace
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
                killed.append(process)
        for child in _wait_gone(children, deadline):
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        _wait_gone(children, time.monotonic() + 2)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    return killed


def _descendants(processes: list[subprocess.Popen]) -> list:
    """Every process the components started, including task supervisors that left their process group."""
    import psutil

    found = []
    for process in processes:
        try:
            found += psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            continue
    return found


def _wait_gone(processes: list, deadline: float) -> list:
    """Wait until every process has ended or ``deadline`` (monotonic) passed; returns those still running.

    A process reparented to init stays a zombie until init reaps it: it counts as ended.
    """
    import psutil

    def running(process) -> bool:
        try:
            return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    alive = [p for p in processes if running(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in alive if running(p)]
    return alive
