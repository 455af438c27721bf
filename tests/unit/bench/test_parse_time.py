"""Parse-time benchmark on real DAG files, each parsed (and serialized) in a process forked as the DAG processor does."""

from __future__ import annotations

from service_quality.bench import parse_time
from service_quality.paths import DAGS_DIR

SLOW_DAG = '''
"""A DAG file that does work at parse time: the benchmark must see it."""
import time
from datetime import datetime

from airflow.sdk import dag, task

time.sleep(1.2)


@dag(schedule=None, start_date=datetime(2024, 1, 1), tags=["t"], doc_md=__doc__)
def slow_parse():
    @task
    def noop() -> None:
        return None

    noop()


slow_parse()
'''


def test_real_slow_and_broken_dag_files(tmp_path):
    """One run over three files (one interpreter with Airflow, a forked parse per file)."""
    real = DAGS_DIR / "warehouse_bootstrap.py"
    slow = tmp_path / "slow_parse.py"
    slow.write_text(SLOW_DAG)
    broken = tmp_path / "broken.py"
    broken.write_text("from airflow.sdk import dag\nraise RuntimeError('boom at parse time')\n")

    records = {r.name: r for r in parse_time.run("S", repeats=1, files=[real, slow, broken])}

    one = records["parse_s[warehouse_bootstrap.py]"]
    assert one.detail["dags"] == ["warehouse_bootstrap"]
    assert one.value > 0 and one.detail["cpu_s"][0] > 0
    # the processor's work on a file: its import by the DagBag, then the serialization of its DAGs
    assert one.detail["dagbag_s"][0] > 0 and one.detail["serialize_s"][0] > 0
    assert one.value >= one.detail["serialize_s"][0]

    slow_record = records["parse_s[slow_parse.py]"]
    assert slow_record.value >= 1.2 and slow_record.met is False
    assert slow_record.detail["dags"] == ["slow_parse"]
    # sleeping costs wall time, not CPU time: both are recorded
    assert slow_record.value - slow_record.detail["cpu_s"][0] >= 1.15
    assert "sleep" in (parse_time.ROOT / slow_record.detail["profile"]).read_text()

    assert "boom at parse time" in records["parse_s[broken.py]"].note
    assert records["parse_s_worst"].met is False
    assert "broken.py" in records["parse_s_worst"].note
    assert records["parse_cpu_s_worst"].met is False, "a file that does not parse misses on CPU time too"
