"""End-to-end fixtures: a simulated XS chain with defects and ``sqw run`` against throw-away databases.

Each ``sqw run`` is a real subprocess of the CLI: it starts its own Airflow (scheduler, DAG processor,
triggerer, API server) with its metadata in a PostgreSQL database of the test server, and its warehouse
in another. Local state (Airflow home, archive, Data Docs, reports) lives in the test's temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from service_quality.paths import ROOT
from service_quality.warehouse.connection import WarehouseDsn

#: The last week of a quarter: the run attests 2025-Q1, and the data stays small enough for CI.
START, END = date(2025, 3, 25), date(2025, 3, 31)
#: A week earlier in the same quarter: delivered after the quarter was published (late data).
LATE_START, LATE_END = date(2025, 3, 18), date(2025, 3, 24)
SEED = 11


@dataclass
class E2E:
    root: Path
    landing: Path
    warehouse: WarehouseDsn
    metadata: WarehouseDsn
    env: dict[str, str]

    def sqw(self, *args: str, timeout: float = 2400) -> subprocess.CompletedProcess:
        """Run the project's CLI as a user would; fail the test with its output when it fails."""
        result = subprocess.run(
            [str(Path(sys.executable).parent / "sqw"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        (self.root / f"sqw-{args[0]}-{len(list(self.root.glob('sqw-*.log')))}.log").write_text(
            result.stdout + "\n--- stderr ---\n" + result.stderr
        )
        return result

    def run(self, start: date = START, end: date = END) -> subprocess.CompletedProcess:
        return self.sqw("run", "--landing", str(self.landing), "--from", str(start), "--to", str(end), "--skip-docs")

    def deliver_late_week(self) -> list[str]:
        """Simulate the week before the chain's first one and deliver it now: late data for the quarter.

        Returns the delivered files' paths relative to the landing zone."""
        import shutil

        late_landing = simulate(self.root / "late", LATE_START, LATE_END)
        now, delivered = time.time(), []
        for path in sorted(late_landing.rglob("*")):
            if not path.is_file():
                continue
            target = self.landing / path.relative_to(late_landing)
            if target.exists():  # same name as an on-time file: a new delivery needs a name of its own
                target = target.with_name("late-" + target.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            os.utime(target, (now, now))  # it arrives now, after the quarter was published
            delivered.append(str(target.relative_to(self.landing)))
        return delivered

    def use_warehouse(self, dsn: WarehouseDsn) -> None:
        self.warehouse = dsn
        self.env["AIRFLOW_CONN_WAREHOUSE"] = dsn.airflow_uri


def simulate(out: Path, start: date, end: date) -> Path:
    from service_quality.simulator import simulate as run_simulation

    run_simulation(scale="XS", start=start, end=end, seed=SEED, defects=0.05, out=out)
    return out / "landing"


@pytest.fixture(scope="module")
def e2e(tmp_path_factory, databases, sqw_run_environment) -> E2E:
    root = tmp_path_factory.mktemp("e2e")
    landing = simulate(root / "sim", START, END)
    warehouse = databases.create("sqw_e2e_wh")
    metadata = databases.create("sqw_e2e_airflow")
    local = root / "local"
    env = sqw_run_environment(
        local, warehouse, metadata, "e2e-test-key-not-a-secret", keep=("AIRFLOW__CORE__DAGS_FOLDER",)
    )
    env["SQW_REPORTS_DIR"] = str(local / "reports")
    return E2E(root, landing, warehouse, metadata, env)
