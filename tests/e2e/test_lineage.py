"""OpenLineage events of one ``sqw run`` on the XS chain, received by a real HTTP server and written to a file.

The run's Airflow sends every event through a composite transport: HTTP to a server this test starts on
127.0.0.1 (any OpenLineage consumer, e.g. Marquez, listens the same way) and the file transport the local
runs use. From the received events the test rebuilds the lineage graph (dataset -> job -> dataset) and walks
it from a landing file of ``audit_answers`` to ``attestation.published_scorecards``.
"""

from __future__ import annotations

import json
import os
import threading
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.airflow,
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.timeout(3600),
    pytest.mark.skipif(os.environ.get("SQW_E2E") == "0", reason="whole pipeline through Airflow: SQW_E2E=0"),
]


class _Collector(BaseHTTPRequestHandler):
    events: list[dict] = []
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802 - the http.server interface
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.lock:
            self.events.append({"path": self.path, "event": json.loads(body)})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def lineage_run(e2e, receiver):
    """One ``sqw run`` with lineage to the HTTP server and to a file; (run result, HTTP events, file path)."""
    events_file = e2e.root / "lineage" / "events.jsonl"
    host, port = receiver.server_address
    e2e.env["AIRFLOW__OPENLINEAGE__TRANSPORT"] = json.dumps(
        {
            "type": "composite",
            "transports": {
                "http": {"type": "http", "url": f"http://{host}:{port}", "endpoint": "api/v1/lineage"},
                "file": {"type": "file", "log_file_path": str(events_file), "append": True},
            },
        }
    )
    result = e2e.run()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with _Collector.lock:
        received = [item["event"] for item in _Collector.events]
    assert {item["path"] for item in _Collector.events} == {"/api/v1/lineage"}
    return result, received, events_file


def _run_events(events: list[dict]) -> list[dict]:
    return [e for e in events if "run" in e and "job" in e]


def _graph(events: list[dict]) -> tuple[dict, dict]:
    """Edges dataset -> job -> dataset from every run's inputs and outputs, and each job's runs' events."""
    edges: dict[tuple, set[tuple]] = defaultdict(set)
    jobs: dict[tuple, list[dict]] = defaultdict(list)
    for event in _run_events(events):
        job = ("job", event["job"]["namespace"], event["job"]["name"])
        jobs[job].append(event)
        for dataset in event.get("inputs") or []:
            edges[("dataset", dataset["namespace"], dataset["name"])].add(job)
        for dataset in event.get("outputs") or []:
            edges[job].add(("dataset", dataset["namespace"], dataset["name"]))
    return edges, jobs


def _path(edges: dict, start: tuple, goal: tuple) -> list[tuple] | None:
    previous = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = []
            while node is not None:
                path.append(node)
                node = previous[node]
            return path[::-1]
        for following in edges.get(node, ()):
            if following not in previous:
                previous[following] = node
                queue.append(following)
    return None


def _project_models() -> set[str]:
    from service_quality.transform.cosmos import manifest_path

    manifest = json.loads(manifest_path().read_text())
    return {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}


def _dbt_model_jobs(events: list[dict], parent_job: str) -> dict[str, set[str]]:
    """unique_id -> event types of the model jobs whose parent is the Airflow task ``parent_job``."""
    found: dict[str, set[str]] = defaultdict(set)
    for event in _run_events(events):
        node = (event["job"].get("facets") or {}).get("dbt_node") or {}
        parent = (event["run"].get("facets") or {}).get("parent") or {}
        is_model = event["job"]["facets"].get("jobType", {}).get("jobType") == "MODEL"
        if is_model and parent.get("job", {}).get("name") == parent_job:
            found[node["unique_id"]].add(event["eventType"])
    return found


def test_a_landing_file_of_audit_answers_reaches_the_published_scorecards(e2e, lineage_run):
    _, events, _ = lineage_run
    edges, jobs = _graph(events)
    dsn = e2e.warehouse
    namespace = f"postgres://{dsn.host}:{dsn.port}"
    goal = ("dataset", namespace, f"{dsn.dbname}.attestation.published_scorecards")
    landing = sorted(
        node
        for node in edges
        if node[0] == "dataset" and node[1] == "file" and f"{e2e.landing}/audit_answers/" in node[2]
    )
    assert landing, "the load tasks name the delivered audit_answers files as inputs"
    path = _path(edges, landing[0], goal)
    assert path is not None, f"no lineage path from {landing[0][2]} to {goal[2]}"
    names = [node[2] for node in path]
    assert f"{dsn.dbname}.raw.audit_answers" in names
    assert "ingest_audit_answers.load" in names
    assert "attestation_quarterly.publish" in names
    assert any(name.endswith(".stg_audit_answers.build.run") for name in names), names
    # every warehouse dataset of the run follows the naming spec for PostgreSQL
    datasets = {n for n in edges if n[0] == "dataset"} | {n for targets in edges.values() for n in targets}
    for node in datasets:
        if node[0] == "dataset" and node[1] != "file":
            assert node[1] == namespace and node[2].startswith(f"{dsn.dbname}."), node


def test_load_tasks_report_files_tables_schema_and_counts(e2e, lineage_run):
    _, events, _ = lineage_run
    loads = [e for e in _run_events(events) if e["job"]["name"] == "ingest_audit_answers.load"]
    assert {e["eventType"] for e in loads} >= {"START", "COMPLETE"}
    complete = next(e for e in loads if e["eventType"] == "COMPLETE")
    outputs = {o["name"].split(".", 1)[1]: o for o in complete["outputs"]}
    assert set(outputs) == {"raw.audit_answers", "quarantine.audit_answers"}
    raw = outputs["raw.audit_answers"]
    columns = {f["name"] for f in raw["facets"]["schema"]["fields"]}
    assert {"visit_id", "_delivery_id", "_row_number"} <= columns
    with e2e.warehouse.connect() as conn:
        loaded, quarantined = conn.execute(
            "select coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0) from ops.deliveries "
            "where source = 'audit_answers'"
        ).fetchone()
    completes = [e for e in loads if e["eventType"] == "COMPLETE"]
    reported = [
        {o["name"].split(".", 1)[1]: o["facets"]["dataQualityMetrics"]["rowCount"] for o in e["outputs"]}
        for e in completes
    ]
    assert sum(r["raw.audit_answers"] for r in reported) == loaded > 0
    assert sum(r["quarantine.audit_answers"] for r in reported) == quarantined
    assert all(
        i["namespace"] == "file" and "dataQualityMetrics" in i.get("inputFacets", {})
        for e in completes
        for i in e["inputs"]
    )


def test_every_dbt_model_is_a_job_of_the_transform_producer_and_the_attestation_build(lineage_run):
    _, events, _ = lineage_run
    models = _project_models()
    transform = _dbt_model_jobs(events, "transform.dbt_producer_watcher")
    assert set(transform) == models, sorted(models ^ set(transform))
    assert all(kinds == {"START", "COMPLETE"} for kinds in transform.values())
    attestation = _dbt_model_jobs(events, "attestation_quarterly.build")
    assert "model.service_quality.scorecards" in attestation and set(attestation) <= models

    run_events = _run_events(events)
    model_events = [e for e in run_events if e["job"]["facets"].get("jobType", {}).get("jobType") == "MODEL"]
    # the compiled SQL travels with each model: the OpenLineage SQL parser derives column lineage from it where
    # it can (this project's import CTEs, ``select * from <ref>``, leave it nothing to resolve)
    assert all(e["job"]["facets"]["sql"]["query"].strip() for e in model_events)
    assertions = [
        i["inputFacets"]["dataQualityAssertions"]["assertions"]
        for e in run_events
        if e["job"]["facets"].get("jobType", {}).get("jobType") == "TEST"
        for i in e.get("inputs") or []
        if "dataQualityAssertions" in (i.get("inputFacets") or {})
    ]
    assert assertions and all(isinstance(a["success"], bool) for group in assertions for a in group)
    assert {"unique", "not_null"} <= {a["assertion"] for group in assertions for a in group}


def test_publish_names_the_revision_as_a_version_of_the_published_scorecards(e2e, lineage_run):
    _, events, _ = lineage_run
    publish = [
        e
        for e in _run_events(events)
        if e["job"]["name"] == "attestation_quarterly.publish" and e["eventType"] == "COMPLETE"
    ]
    assert len(publish) == 1
    scorecards = next(o for o in publish[0]["outputs"] if o["name"].endswith(".attestation.published_scorecards"))
    assert scorecards["facets"]["version"]["datasetVersion"] == "2025-Q1/1"
    (revision,) = scorecards["facets"]["attestationPublication"]["revisions"]
    assert (revision["period_label"], revision["revision"], revision["created"]) == ("2025-Q1", 1, True)


def test_the_file_transport_holds_the_same_events_as_openlineage_run_events(lineage_run):
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.serde import Serde

    _, received, events_file = lineage_run
    lines = [json.loads(line) for line in Path(events_file).read_text().splitlines() if line.strip()]
    assert len(lines) > 0
    assert {_key(e) for e in _run_events(lines)} == {_key(e) for e in _run_events(received)}
    for data in _run_events(lines):
        event = RunEvent(  # the client's own classes validate the run id, the times and the event type
            eventType=RunState(data["eventType"]),
            eventTime=data["eventTime"],
            run=Run(runId=data["run"]["runId"], facets=data["run"].get("facets") or {}),
            job=Job(
                namespace=data["job"]["namespace"], name=data["job"]["name"], facets=data["job"].get("facets") or {}
            ),
            producer=data["producer"],
            inputs=[
                InputDataset(
                    namespace=d["namespace"],
                    name=d["name"],
                    facets=d.get("facets") or {},
                    inputFacets=d.get("inputFacets") or {},
                )
                for d in data.get("inputs") or []
            ],
            outputs=[
                OutputDataset(
                    namespace=d["namespace"],
                    name=d["name"],
                    facets=d.get("facets") or {},
                    outputFacets=d.get("outputFacets") or {},
                )
                for d in data.get("outputs") or []
            ],
        )
        assert data["schemaURL"] == event.schemaURL
        again = json.loads(Serde.to_json(event))
        assert _key(again) == _key(data)
        assert [d["name"] for d in again.get("outputs") or []] == [d["name"] for d in data.get("outputs") or []]


def _key(event: dict) -> tuple[str, str, str]:
    return event["run"]["runId"], event["job"]["name"], event["eventType"]
