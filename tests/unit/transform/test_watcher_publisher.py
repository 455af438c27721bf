"""The watcher producer keeps reading dbt's output while its XCom pushes wait for the API server.

dbt's JSON log goes through a pipe; Cosmos parses each line and pushes the node's status on the thread
that reads the pipe. These tests run a real child process that writes a dbt-shaped log much larger than
a pipe holds, and a task instance whose pushes cannot finish before that child has written everything:
read and push on one thread, that is a deadlock; the producer here must finish, with every status pushed
in the log's order.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from service_quality.paths import DBT_PROJECT_DIR
from service_quality.transform.cosmos import profile_config
from service_quality.transform.watcher import DbtProducerWatcherOperator

NODES = [f"model.service_quality.m{i:03d}" for i in range(120)]

#: Writes a NodeFinished line per node, each padded to 4 KB (480 KB in all: a pipe holds 64 KB), then
#: leaves a file saying it is done.
CHILD = """
import json, sys
from pathlib import Path

nodes, done = json.loads(sys.argv[1]), Path(sys.argv[2])
for unique_id in nodes:
    line = {"info": {"name": "NodeFinished", "msg": unique_id, "level": "info"}, "pad": "x" * 4000,
            "data": {"node_info": {"unique_id": unique_id, "node_status": "success", "resource_type": "model"}}}
    print(json.dumps(line), flush=True)
done.write_text("written")
"""


class SlowTaskInstance:
    """Records pushes; the first one waits until the child has written its whole log (or gives up)."""

    def __init__(self, done: Path, fail_on: str | None = None) -> None:
        self.done, self.fail_on = done, fail_on
        self.pushed: list[tuple[str, object]] = []

    def xcom_push(self, key: str, value: object) -> None:
        deadline = time.monotonic() + 20
        while not self.done.exists():
            if time.monotonic() > deadline:
                raise TimeoutError("the child never finished writing: its output was not being read")
            time.sleep(0.01)
        if key == self.fail_on:
            raise RuntimeError(f"API server refused {key}")
        self.pushed.append((key, value))

    def xcom_pull(self, *args, **kwargs):
        return None


def run_producer(tmp_path: Path, ti: SlowTaskInstance):
    producer = DbtProducerWatcherOperator(
        project_dir=str(DBT_PROJECT_DIR), profile_config=profile_config(), install_deps=False
    )
    producer._should_generate_model_uris = False  # no manifest lookups: this log names made-up models
    command = [sys.executable, "-c", CHILD, json.dumps(NODES), str(ti.done)]
    return producer.run_subprocess(command, env={}, cwd=str(tmp_path), context={"ti": ti})


def test_every_status_is_pushed_in_order_while_the_pipe_keeps_flowing(tmp_path):
    ti = SlowTaskInstance(tmp_path / "done")

    result = run_producer(tmp_path, ti)

    assert result.exit_code == 0
    statuses = [(key, value["status"]) for key, value in ti.pushed if key.endswith("_status")]
    assert statuses == [(f"{unique_id.replace('.', '__')}_status", "success") for unique_id in NODES]


def test_a_push_that_fails_fails_the_producer_after_the_build(tmp_path):
    failing = f"{NODES[5].replace('.', '__')}_status"
    ti = SlowTaskInstance(tmp_path / "done", fail_on=failing)

    with pytest.raises(RuntimeError, match="API server refused"):
        run_producer(tmp_path, ti)

    assert (tmp_path / "done").exists(), "dbt ran to its end"
    published = {key.split("__")[-1].split("_")[0] for key, _ in ti.pushed}
    assert published == {f"m{i:03d}" for i in range(6)}, "nothing is published after the first failure"
    statuses = [key for key, _ in ti.pushed if key.endswith("_status")]
    assert len(statuses) == 5
