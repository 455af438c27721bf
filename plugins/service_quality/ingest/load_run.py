"""What every step of one load needs, in one object: the source's contract, the warehouse, the settings and
the Airflow run that loads (recorded on each ``ops.deliveries`` row)."""

from __future__ import annotations

from dataclasses import dataclass

from service_quality.contracts import Contract
from service_quality.ingest.settings import IngestSettings
from service_quality.warehouse.connection import WarehouseDsn


@dataclass(frozen=True)
class LoadRun:
    """One load's context, passed to each step instead of the same loose parameters to every function."""

    contract: Contract
    dsn: WarehouseDsn
    settings: IngestSettings
    dag_id: str | None = None
    run_id: str | None = None

    @property
    def source(self) -> str:
        return self.contract.source

    @property
    def bad_row_threshold(self) -> float:
        """The share of bad rows above which a delivery is rejected: the settings' override, else the contract's."""
        if self.settings.bad_row_threshold is None:
            return self.contract.bad_row_threshold
        return self.settings.bad_row_threshold
