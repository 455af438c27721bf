"""The one warehouse resolver: the same connection reads the same inside an Airflow task and outside it."""

from __future__ import annotations

import json

import pytest

from service_quality.warehouse.connection import ENV_VAR, WarehouseDsn, configured, parse, resolve

FORMS = {
    "uri": ("postgres://bob:p%40ss@db.example:6543/wh", WarehouseDsn("db.example", 6543, "bob", "p@ss", "wh")),
    "uri, defaults": ("postgresql://db.example", WarehouseDsn("db.example", 5432, "postgres", "", "warehouse")),
    "json": (
        json.dumps({"conn_type": "postgres", "host": "h", "port": 5433, "login": "u", "password": "pw", "schema": "s"}),
        WarehouseDsn("h", 5433, "u", "pw", "s"),
    ),
    "json, defaults": (
        json.dumps({"conn_type": "postgres"}),
        WarehouseDsn("127.0.0.1", 5432, "postgres", "", "warehouse"),
    ),
}


@pytest.mark.parametrize("form", FORMS)
def test_the_env_var_reads_the_same_in_and_out_of_an_airflow_task(form, monkeypatch):
    value, expected = FORMS[form]
    monkeypatch.setenv(ENV_VAR, value)
    assert parse(value) == expected
    assert configured() == expected
    assert resolve() == expected, "outside Airflow: the env var first"
    assert resolve(in_airflow_task=True) == expected, "inside a task: Airflow's own lookup of the same connection"


def test_only_postgres_uris_are_accepted():
    with pytest.raises(ValueError, match="postgres:// URI or JSON"):
        parse("mysql://db.example/wh")


def test_an_empty_env_var_is_no_configuration(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "")
    assert configured() is None
