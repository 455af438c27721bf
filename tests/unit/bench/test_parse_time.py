"""Parse-time benchmark on real DAG files, each parsed by Airflow's DagBag in a fresh interpreter."""

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


def test_a_real_dag_file_parses_under_a_second():
    path = DAGS_DIR / "warehouse_bootstrap.py"
    records = parse_time.run("S", repeats=1, files=[path], profile_misses=False)
    by_name = {r.name: r for r in records}
    one = by_name["parse_s[warehouse_bootstrap.py]"]
    assert one.detail["dags"] == ["warehouse_bootstrap"]
    assert 0 < one.value < 1 and one.met is True
    assert by_name["parse_s_worst"].value == one.value


def test_a_slow_file_misses_the_target_and_is_profiled(tmp_path):
    slow = tmp_path / "slow_parse.py"
    slow.write_text(SLOW_DAG)
    broken = tmp_path / "broken.py"
    broken.write_text("from airflow.sdk import dag\nraise RuntimeError('boom at parse time')\n")

    records = {r.name: r for r in parse_time.run("S", repeats=1, files=[slow, broken])}

    assert records["parse_s[slow_parse.py]"].value >= 1.2
    assert records["parse_s[slow_parse.py]"].met is False
    profile = records["parse_s[slow_parse.py]"].detail["profile"]
    assert "sleep" in (parse_time.ROOT / profile).read_text()
    assert "boom at parse time" in records["parse_s[broken.py]"].note
    assert records["parse_s_worst"].met is False
    assert "broken.py" in records["parse_s_worst"].note
