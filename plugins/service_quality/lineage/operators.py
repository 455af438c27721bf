"""``@task`` variants whose operators tell the OpenLineage provider what they read and wrote.

The provider's listener calls ``get_openlineage_facets_on_start`` before a task runs and
``get_openlineage_facets_on_complete`` / ``_on_failure`` after it (also after a skip), in the task's process;
what the task did (the load results, the published revisions) is kept on the operator for that. With lineage
switched off nothing calls these methods, and keeping a result costs one attribute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.standard.decorators.python import _PythonDecoratedOperator
from airflow.sdk.bases.decorator import task_decorator_factory

if TYPE_CHECKING:  # pragma: no cover
    from airflow.providers.openlineage.extractors import OperatorLineage

    from service_quality.warehouse.connection import WarehouseDsn


class _WarehouseLineageOperator(_PythonDecoratedOperator):
    _warehouse_dsn: WarehouseDsn | None = None

    def warehouse(self) -> WarehouseDsn:
        """The ``warehouse`` connection's DSN: the namespace and database of the tables the task touches."""
        if self._warehouse_dsn is None:
            from service_quality.warehouse.connection import resolve

            self._warehouse_dsn = resolve(in_airflow_task=True)
        return self._warehouse_dsn


class IngestLoadOperator(_WarehouseLineageOperator):
    """A load task (``op_kwargs``: ``source``, ``batch``): the files in, ``raw`` / ``quarantine`` out."""

    load_results: list[dict[str, Any]] | None = None

    def record_load_results(self, results: list[dict[str, Any]]) -> None:
        """Called by the task body with each file's result, before it returns or skips."""
        self.load_results = results

    def _lineage(self, results: list[dict[str, Any]] | None) -> OperatorLineage:
        from service_quality.lineage.ingest import load_lineage

        return load_lineage(self.op_kwargs["source"], self.op_kwargs["batch"], self.warehouse(), results)

    def get_openlineage_facets_on_start(self) -> OperatorLineage:
        return self._lineage(None)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        return self._lineage(self.load_results)

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> OperatorLineage:
        return self._lineage(self.load_results)


class PublishOperator(_WarehouseLineageOperator):
    """A publish task: the built attestation marts in, the published tables out, versioned by revision."""

    published: list[dict[str, Any]] | None = None

    def execute(self, context: Any) -> Any:
        self.published = super().execute(context)
        return self.published

    def _lineage(self) -> OperatorLineage:
        from service_quality.lineage.publication import publish_lineage

        return publish_lineage(self.warehouse(), self.published)

    def get_openlineage_facets_on_start(self) -> OperatorLineage:
        return self._lineage()

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        return self._lineage()

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> OperatorLineage:
        return self._lineage()


class WarehouseTablesOperator(_WarehouseLineageOperator):
    """A task that reads and writes warehouse tables it names up front (``lineage_tables``: schema.table in and
    out): those tables as datasets, named like every other table of the warehouse, not after the task's Asset."""

    lineage_tables: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())

    def _lineage(self) -> OperatorLineage:
        from airflow.providers.openlineage.extractors import OperatorLineage
        from openlineage.client.event_v2 import InputDataset, OutputDataset

        from service_quality.lineage.naming import warehouse_table

        inputs, outputs = self.lineage_tables
        return OperatorLineage(
            inputs=[InputDataset(*warehouse_table(self.warehouse(), *t.split("."))) for t in inputs],
            outputs=[OutputDataset(*warehouse_table(self.warehouse(), *t.split("."))) for t in outputs],
        )

    def get_openlineage_facets_on_start(self) -> OperatorLineage:
        return self._lineage()

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        return self._lineage()

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> OperatorLineage:
        return self._lineage()


def warehouse_tables_task(*, reads: tuple[str, ...], writes: tuple[str, ...], **kwargs: Any):
    """``@task(...)`` for a task that reads ``reads`` and writes ``writes`` (``schema.table``), with that lineage."""

    class _Tables(WarehouseTablesOperator):
        lineage_tables = (reads, writes)

    return task_decorator_factory(decorated_operator_class=_Tables, **kwargs)


def load_task(**kwargs: Any):
    """``@task(...)`` for a load task, with its lineage (:class:`IngestLoadOperator`)."""
    return task_decorator_factory(decorated_operator_class=IngestLoadOperator, **kwargs)


def publish_task(**kwargs: Any):
    """``@task(...)`` for a publish task, with its lineage (:class:`PublishOperator`)."""
    return task_decorator_factory(decorated_operator_class=PublishOperator, **kwargs)
