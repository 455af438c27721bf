"""Incremental benchmark: the detail names the slowest dbt nodes of a daily build."""

from __future__ import annotations

import json

from service_quality.bench.incremental import slowest_nodes


def test_slowest_nodes_are_ranked_and_named_without_project_prefix(tmp_path):
    results = [
        {"unique_id": "model.service_quality.stg_shifts", "execution_time": 0.4},
        {"unique_id": "test.service_quality.unique_stg_surveys_response_id.c578945cc0", "execution_time": 1.234},
        {"unique_id": "model.service_quality.int_attestation_eligibility", "execution_time": 3.0},
    ]
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))

    assert slowest_nodes(tmp_path, count=2) == {
        "int_attestation_eligibility": 3.0,
        "unique_stg_surveys_response_id.c578945cc0": 1.23,
    }
