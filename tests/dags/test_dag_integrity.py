"""DAG integrity and policy: every DAG file imports cleanly and follows the house rules, and so does every
DAG a factory in the package builds (the ``@dag`` definitions under ``plugins/``)."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from service_quality.attestation.dags import DAGS as ATTESTATION_DAGS
from service_quality.contracts import SOURCES
from service_quality.paths import DAGS_DIR, PLUGINS_DIR, ROOT

DAG_FILES = sorted(p for p in DAGS_DIR.glob("*.py") if not p.name.startswith("_"))


def _dag_factories(path: Path) -> list[tuple[str, ast.Call]]:
    """The top-level functions of ``path`` that define a DAG with ``@dag(...)``, with that decorator call."""
    found = []
    for top in ast.parse(path.read_text()).body:
        if not isinstance(top, ast.FunctionDef):
            continue
        for node in ast.walk(top):
            if isinstance(node, ast.FunctionDef):
                for deco in node.decorator_list:
                    if isinstance(deco, ast.Call) and getattr(deco.func, "id", None) == "dag":
                        found.append((top.name, deco))
    return found


FACTORY_FILES = sorted(p for p in (PLUGINS_DIR / "service_quality").rglob("*.py") if _dag_factories(p))

#: Every DAG each factory builds, as the arguments of its calls (``module:function`` -> calls). A new factory
#: must be listed here, so that the DAGs it builds are held to the policy below.
FACTORY_CALLS: dict[str, list[tuple]] = {
    "service_quality.ingest.dags:ingest_dag": [(source,) for source in SOURCES],
    "service_quality.attestation.dags:attestation_dag": [
        (period_type, f"Attestation of the {period_type}.") for period_type in ATTESTATION_DAGS
    ],
}


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


def _assert_policy(dag) -> None:
    assert dag.tags, "every DAG has tags"
    assert dag.doc_md and dag.doc_md.strip(), "every DAG has doc_md (the module docstring, or the factory's)"
    for task in dag.tasks:
        assert task.owner and task.owner != "airflow", f"{task.task_id}: set an owner"
        assert task.retries >= 1, f"{task.task_id}: retries must be >= 1"
        assert task.on_failure_callback, f"{task.task_id}: failures must alert (service_quality.dag_defaults)"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.stem)
def test_policy(dagbag, path):
    _assert_policy(dagbag.dags[path.stem])


def test_every_dag_factory_is_known():
    found = {
        f"{'.'.join(path.relative_to(PLUGINS_DIR).with_suffix('').parts)}:{name}"
        for path in FACTORY_FILES
        for name, _ in _dag_factories(path)
    }
    assert {"service_quality.ingest.dags:ingest_dag", "service_quality.attestation.dags:attestation_dag"} <= found
    assert found == set(FACTORY_CALLS), "list each DAG factory and the DAGs it builds in FACTORY_CALLS"


@pytest.mark.parametrize("path", FACTORY_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_factory_dag_declares_the_policy(path):
    """What the policy needs is written in the factory's ``@dag(...)``, not left to each caller."""
    for name, call in _dag_factories(path):
        keywords = {k.arg for k in call.keywords}
        missing = {"dag_id", "schedule", "doc_md", "default_args", "tags"} - keywords
        assert not missing, f"{path.name}: {name}'s @dag sets no {sorted(missing)}"
        assert "schedule_interval" not in keywords, f"{path.name}: use schedule="


@pytest.mark.parametrize(
    ("factory", "args"), [(f, a) for f, calls in FACTORY_CALLS.items() for a in calls], ids=lambda x: str(x)
)
def test_policy_of_factory_built_dags(factory, args):
    module, name = factory.split(":")
    dag = getattr(importlib.import_module(module), name)(*args)
    _assert_policy(dag)


@pytest.mark.parametrize(
    "path", DAG_FILES + FACTORY_FILES, ids=lambda p: p.stem if p.parent == DAGS_DIR else str(p.relative_to(PLUGINS_DIR))
)
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
