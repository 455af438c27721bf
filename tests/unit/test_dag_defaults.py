"""The shared DAG defaults: the retry policy, and the override benchmarks use for runs without retries."""

from __future__ import annotations

from service_quality.dag_defaults import RETRIES_ENV, default_args


def test_retries_come_from_the_dag_unless_overridden(monkeypatch):
    monkeypatch.delenv(RETRIES_ENV, raising=False)
    assert default_args(retries=1)["retries"] == 1
    assert default_args()["retries"] == 2
    monkeypatch.setenv(RETRIES_ENV, "0")
    assert default_args(retries=1)["retries"] == 0
    assert default_args()["on_failure_callback"] is not None, "the alert stays"
