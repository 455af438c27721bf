"""Every exception of ingestion, and which of them a retry cannot fix.

Two kinds leave a load task:

* **Terminal** (:class:`IngestFailed` and its subclasses): the same input fails the same way on the next
  attempt (a broken invariant, a missing PII key). Inside Airflow the load task raises them as
  ``AirflowFailException`` (see ``ingest.dags``), so the task fails at once instead of being retried.
* **Transient**: anything else, above all ``psycopg.OperationalError`` (connection lost, lock timeout,
  server restarting). They are left as they are: Airflow retries the task, and the load converges.

:class:`DeliveryRejected` never leaves a load: it is an outcome (the delivery is recorded as ``rejected``).
"""

from __future__ import annotations

from service_quality.contracts import DeliveryReason


class DeliveryRejected(Exception):
    """The whole delivery is rejected: nothing from it is loaded."""

    def __init__(self, reason: DeliveryReason, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.reason: DeliveryReason = reason
        self.column = column
        self.message = message


class IngestFailed(RuntimeError):
    """A load that fails the same way on every attempt: fail the task, do not retry it."""


class PiiKeyMissing(IngestFailed):
    """A delivery has contact fields, but no key to hash them is configured: refuse rather than leak."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path}: the delivery has customer contact fields (PII) but no hashing key is configured; "
            "set the Airflow Variable or connection 'survey_pii_key' (env AIRFLOW_VAR_SURVEY_PII_KEY) and retry. "
            "Nothing was loaded."
        )


class InvariantBroken(IngestFailed):
    """A load broke one of the loader's own invariants (rows read = loaded + quarantined, a copy follows its
    delivery): a bug, rolled back whole, that a retry would only repeat."""


class ValidationDisagreement(InvariantBroken):
    """GX and the SQL routing counted different rows for the same rule: fix the rule compiler."""


class SurveyApiError(RuntimeError):
    """The survey platform's API refused or did not answer (after its own retries): Airflow retries the pull."""
