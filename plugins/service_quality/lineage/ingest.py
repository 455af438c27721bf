"""What a load task read and wrote, as OpenLineage datasets: the delivered files in, ``raw`` and ``quarantine`` out.

Inputs: one dataset per delivered file (a delivery's byte-identical copies too) (namespace ``file``, its path) with its row count and size
(``dataQualityMetrics``) and two assertions: the delivery was accepted (not rejected by its contract) and all
its rows were valid. Outputs: ``<db>.raw.<source>`` and ``<db>.quarantine.<source>`` with their schema, the rows
this batch wrote to each (``outputStatistics``, ``dataQualityMetrics``) and, on ``raw``, the assertion that no
delivery of the batch was rejected. Counts appear once the load has run (COMPLETE or FAIL); START has the
datasets and schemas only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from airflow.providers.openlineage.extractors import OperatorLineage

    from service_quality.warehouse.connection import WarehouseDsn

#: Columns every raw table has besides the contract's (warehouse/migrations/0001_landing_tables.sql).
RAW_LINEAGE_COLUMNS = (
    ("_delivery_id", "bigint"),
    ("_row_number", "integer"),
    ("_arrived_at", "timestamptz"),
    ("_loaded_at", "timestamptz"),
    ("_extra", "jsonb"),
)
QUARANTINE_COLUMNS = (
    ("delivery_id", "bigint"),
    ("row_number", "integer"),
    ("column_name", "text"),
    ("rule", "text"),
    ("value", "text"),
    ("message", "text"),
    ("record", "jsonb"),
    ("quarantined_at", "timestamptz"),
)


def _schema(columns) -> Any:
    from openlineage.client.facet_v2 import schema_dataset

    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=name, type=dtype) for name, dtype in columns]
    )


def raw_columns(source: str) -> list[tuple[str, str]]:
    from service_quality.contracts import contract

    c = contract(source)
    return [(c.raw_column(col.name), col.raw_type) for col in c.columns] + list(RAW_LINEAGE_COLUMNS)


def load_lineage(
    source: str, batch: list[dict[str, Any]], dsn: WarehouseDsn, results: list[dict[str, Any]] | None
) -> OperatorLineage:
    """The lineage of one load task; ``results`` (``LoadResult.to_dict()`` per file) once the load has run."""
    from airflow.providers.openlineage.extractors import OperatorLineage
    from openlineage.client.event_v2 import InputDataset, OutputDataset
    from openlineage.client.facet_v2 import (
        data_quality_assertions_dataset,
        data_quality_metrics_dataset,
        data_quality_metrics_input_dataset,
        output_statistics_output_dataset,
    )

    from service_quality.ingest.deliveries import flatten
    from service_quality.lineage.naming import landing_file, warehouse_table

    Assertion = data_quality_assertions_dataset.Assertion
    by_path = {r["path"]: r for r in results or []}
    inputs = []
    for delivery in flatten(batch):
        namespace, name = landing_file(delivery.get("uri") or delivery["path"])
        facets: dict[str, Any] = {}
        input_facets: dict[str, Any] = {}
        result = by_path.get(delivery["path"])
        if result is not None and result["status"] != "skipped":
            rejected = result["status"] == "rejected"
            input_facets["dataQualityMetrics"] = data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet(
                columnMetrics={}, rowCount=result["rows_read"], bytes=delivery.get("size_bytes"), fileCount=1
            )
            facets["dataQualityAssertions"] = data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
                assertions=[
                    Assertion(
                        assertion="delivery_accepted",
                        success=not rejected,
                        column=result.get("rejection_column"),
                        actual=result["status"],
                        expected="loaded",
                    ),
                    Assertion(
                        assertion="rows_valid",
                        success=not rejected and not result["rows_quarantined"],
                        actual=str(result["rows_quarantined"]),
                        expected="0",
                    ),
                ]
            )
        inputs.append(InputDataset(namespace=namespace, name=name, facets=facets, inputFacets=input_facets))

    counted = [r for r in results or [] if r["status"] != "skipped"]
    loaded = sum(r["rows_loaded"] for r in counted)
    quarantined = sum(r["rows_quarantined"] for r in counted)
    rejected = sum(r["status"] == "rejected" for r in counted)
    outputs = []
    for schema, columns, rows in (
        ("raw", raw_columns(source), loaded),
        ("quarantine", QUARANTINE_COLUMNS, quarantined),
    ):
        namespace, name = warehouse_table(dsn, schema, source)
        facets = {"schema": _schema(columns)}
        output_facets: dict[str, Any] = {}
        if results is not None:
            files = sum(1 for r in counted if r["rows_loaded" if schema == "raw" else "rows_quarantined"])
            facets["dataQualityMetrics"] = data_quality_metrics_dataset.DataQualityMetricsDatasetFacet(
                columnMetrics={}, rowCount=rows, fileCount=files
            )
            output_facets["outputStatistics"] = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=rows
            )
            if schema == "raw":
                facets["dataQualityAssertions"] = data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
                    assertions=[
                        Assertion(
                            assertion="no_rejected_deliveries", success=not rejected, actual=str(rejected), expected="0"
                        )
                    ]
                )
        outputs.append(OutputDataset(namespace=namespace, name=name, facets=facets, outputFacets=output_facets))
    return OperatorLineage(inputs=inputs, outputs=outputs)
