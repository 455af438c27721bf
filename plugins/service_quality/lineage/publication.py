"""What a publish task wrote, as OpenLineage datasets: each published revision as a version of the published tables.

Inputs: the built marts ``<db>.attestation.scorecards`` / ``components`` / ``awards``. Outputs: the append-only
``<db>.attestation.published_*`` tables; once the task has run they carry the ``version`` facet (the period and
revision the run stands on, ``2025-Q1/2``; several periods comma-separated) and the ``attestationPublication``
facet: per period, its type, label, revision, whether this run created it and the inputs checksum.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attr
from openlineage.client.facet_v2 import DatasetFacet

from service_quality.attestation.publish import MODELS, SCHEMA

if TYPE_CHECKING:  # pragma: no cover
    from airflow.providers.openlineage.extractors import OperatorLineage

    from service_quality.warehouse.connection import WarehouseDsn

FACET = "attestationPublication"


@attr.define
class PublishedRevision:
    period_type: str
    period_label: str
    revision: int
    created: bool
    inputs_checksum: str
    methodology_version: str


@attr.define
class AttestationPublicationDatasetFacet(DatasetFacet):
    """The revisions of attested periods a publish run stands on (one per period it published)."""

    revisions: list[PublishedRevision] = attr.field(factory=list)

    @staticmethod
    def _get_schema() -> str:
        return "urn:service-quality-warehouse:lineage:AttestationPublicationDatasetFacet:1-0-0"


def dataset_version(published: list[dict[str, Any]]) -> str:
    """``<period_label>/<revision>`` of each published period, comma-separated (``2025-Q1/2,2025/1``)."""
    return ",".join(f"{p['period_label']}/{p['revision']}" for p in published)


def publish_lineage(dsn: WarehouseDsn, published: list[dict[str, Any]] | None) -> OperatorLineage:
    """The lineage of a publish task; ``published`` is its return value once it has run."""
    from airflow.providers.openlineage.extractors import OperatorLineage
    from openlineage.client.event_v2 import InputDataset, OutputDataset
    from openlineage.client.facet_v2 import dataset_version_dataset

    from service_quality.lineage.naming import warehouse_table

    done = [p for p in published or [] if p.get("revision") is not None]
    inputs = [InputDataset(*warehouse_table(dsn, SCHEMA, model)) for model in MODELS]
    outputs = []
    for table in MODELS.values():
        facets: dict[str, Any] = {}
        if done:
            facets["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion=dataset_version(done))
            facets[FACET] = AttestationPublicationDatasetFacet(
                revisions=[
                    PublishedRevision(
                        period_type=p["period_type"],
                        period_label=p["period_label"],
                        revision=p["revision"],
                        created=p["created"],
                        inputs_checksum=p["inputs_checksum"],
                        methodology_version=p["methodology_version"],
                    )
                    for p in done
                ]
            )
        outputs.append(OutputDataset(*warehouse_table(dsn, SCHEMA, table), facets=facets))
    return OperatorLineage(inputs=inputs, outputs=outputs)
