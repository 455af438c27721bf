"""Run every DAG through Airflow over a landing zone: ingest all new deliveries, transform, then attest
every quarter and year that closed within --from … --to.

The warehouse is the one in AIRFLOW_CONN_WAREHOUSE, else the embedded one. Airflow runs locally for the
length of the command (scheduler, DAG processor, triggerer, API server), with its metadata in
$AIRFLOW_HOME (default .local/airflow). Safe to repeat: a second run over the same landing zone changes
nothing and says so. On failure it stops and names the DAG, the task and the end of its log.
Ctrl-C or SIGTERM stops Airflow within seconds and exits with 130 or 143: every step committed before
is kept, and the same command continues from there.
"""

from __future__ import annotations

import argparse
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

#: Progress lines that start a step, and the words that name it when the run is interrupted.
_STEP = re.compile(r"^(starting Airflow|\d/\d [a-z_]+|dbt docs generate)")


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived. A BaseException, like KeyboardInterrupt: no ``except Exception`` swallows it,
    so the local Airflow is stopped on the way out (``LocalAirflow.__exit__``)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as a shell reports a process killed by it: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + self.signum


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` in the main thread while the block runs.

    SIGTERM's default would end the process at once, leaving Airflow's task processes behind; SIGINT's
    KeyboardInterrupt would do, but one exception for both keeps one exit path. Further signals are ignored
    while the first one unwinds, so a second Ctrl-C cannot cut the clean-up short.
    """
    wanted = (signal.SIGINT, signal.SIGTERM)

    def raise_interrupted(signum: int, frame: object) -> None:
        for other in wanted:
            signal.signal(other, signal.SIG_IGN)
        raise Interrupted(signum)

    previous = {signum: signal.signal(signum, raise_interrupted) for signum in wanted}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def interrupted_message(stop: Interrupted, command: str, what: str, kept: str) -> str:
    """The one line printed when ``command`` is interrupted during ``what``; ``kept`` says what stays."""
    return f"INTERRUPTED by {stop.signal_name} during {what}: {command} stopped; {kept}."


#: What an interrupted run leaves, and how to go on.
KEPT = (
    "the local Airflow and its tasks are stopped, every step committed before is kept in the warehouse: "
    "run the same command again to continue"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--landing", required=True, type=Path, help="landing zone: one folder per source")
    parser.add_argument(
        "--from", dest="start", required=True, type=date.fromisoformat, help="first day of the range (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--to", dest="end", required=True, type=date.fromisoformat, help="last day of the range (YYYY-MM-DD)"
    )
    parser.add_argument("--skip-docs", action="store_true", help="do not regenerate the dbt docs at the end")
    parser.add_argument(
        "--full-attestation-builds",
        action="store_true",
        help="every attestation run builds all the models upstream of the attestation marts too, even when the "
        "transform DAG has just built them from the same deliveries (the slower, older way; for comparisons)",
    )


def generate_dbt_docs(dsn) -> object:
    """``dbt docs generate`` into .local/dbt_docs (served in the Airflow UI); returns the folder."""
    from service_quality.orchestrate.run_summary import DBT_DOCS_DIR
    from service_quality.transform.dbt import run_dbt

    run_dbt(dsn, ["docs", "generate"], target_path=DBT_DOCS_DIR)
    return DBT_DOCS_DIR


def execute(
    landing: Path,
    start: date,
    end: date,
    *,
    skip_docs: bool = False,
    command: str = "sqw run",
    full_attestation_builds: bool = False,
) -> int:
    """Run the pipeline and print its summary; 0 on success, 1 when a DAG run failed, 128 + n on signal n."""
    from service_quality.orchestrate.pipeline import print_error

    step = ["the preparation of the run"]

    def progress(line: str) -> None:
        print(line, flush=True)
        found = _STEP.match(line)
        if found:
            step[0] = found.group(1)

    with interruptible():
        try:
            return _execute(
                landing,
                start,
                end,
                skip_docs=skip_docs,
                progress=progress,
                full_attestation_builds=full_attestation_builds,
            )
        except Interrupted as stop:
            print_error(interrupted_message(stop, command, step[0], KEPT))
            return stop.exit_code


def _execute(
    landing: Path, start: date, end: date, *, skip_docs: bool, progress, full_attestation_builds: bool = False
) -> int:
    from service_quality.orchestrate import run_summary
    from service_quality.orchestrate.dagruns import DagRunFailed
    from service_quality.orchestrate.pipeline import print_error, run_pipeline

    if end < start:
        print_error(f"--to {end} is before --from {start}")
        return 2

    try:
        outcome = run_pipeline(landing, start, end, progress=progress, full_attestation_builds=full_attestation_builds)
    except DagRunFailed as failure:
        print_error(f"\nFAILED: {failure}")
        print_error(
            "Every step before this one is committed in the warehouse. Fix the cause, then run the same command "
            "again: it continues with what is not done yet."
        )
        return 1
    except (FileNotFoundError, RuntimeError) as error:
        print_error(f"\nFAILED: {error}")
        return 1
    docs = None
    if not skip_docs:
        progress("dbt docs generate")
        try:
            docs = generate_dbt_docs(outcome.dsn)
        except Exception as error:  # noqa: BLE001 - the docs are a convenience; the pipeline succeeded
            print_error(f"dbt docs could not be generated: {error}")
    print(run_summary.text(outcome, docs), flush=True)
    return 0


def run(args: argparse.Namespace) -> int:
    return execute(
        args.landing,
        args.start,
        args.end,
        skip_docs=args.skip_docs,
        full_attestation_builds=args.full_attestation_builds,
    )
