"""DAG integrity and policy: every DAG file imports cleanly and follows the house rules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from service_quality.paths import DAGS_DIR, ROOT

DAG_FILES = sorted(p for p in DAGS_DIR.glob("*.py") if not p.name.startswith("_"))


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_dag_files_exist():
    assert DAG_FILES, f"no DAG files in {DAGS_DIR}"


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


def test_one_dag_per_file_named_after_it(dagbag):
    by_file: dict[str, list[str]] = {}
    for dag_id, dag in dagbag.dags.items():
        by_file.setdefault(Path(dag.fileloc).stem, []).append(dag_id)
    for path in DAG_FILES:
        assert by_file.get(path.stem) == [path.stem], f"{path.name} must define exactly the DAG {path.stem!r}"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.stem)
def test_policy(dagbag, path):
    dag = dagbag.dags[path.stem]
    assert dag.tags, "every DAG has tags"
    assert dag.doc_md and dag.doc_md.strip(), "every DAG has doc_md (the module docstring)"
    for task in dag.tasks:
        assert task.owner and task.owner != "airflow", f"{task.task_id}: set an owner"
        assert task.retries >= 1, f"{task.task_id}: retries must be >= 1"
        assert task.on_failure_callback, f"{task.task_id}: failures must alert (service_quality.dag_defaults)"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.stem)
def test_airflow3_api_only(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert not node.module.startswith(("airflow.decorators", "airflow.models", "airflow.datasets")), (
                f"{path.name}: import from airflow.sdk, not {node.module}"
            )
        if isinstance(node, ast.keyword):
            assert node.arg != "schedule_interval", f"{path.name}: use schedule="


def test_ruff_airflow3_rules_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "AIR3", "--preview", str(DAGS_DIR), str(ROOT / "plugins")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.stem)
def test_no_heavy_imports_at_parse_time(path):
    """Parsing a DAG file must not import pandas, GX or dbt (they belong inside tasks)."""
    probe = (
        "import sys, runpy; runpy.run_path(sys.argv[1]); "
        "heavy = [m for m in ('pandas', 'great_expectations', 'dbt.cli', 'psycopg') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"{path.name} imports at parse time: {result.stdout.strip()}"
