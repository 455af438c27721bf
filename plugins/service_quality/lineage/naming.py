"""Dataset names per the OpenLineage naming spec, so a lineage service joins ours with other producers' events.

PostgreSQL: namespace ``postgres://{host}:{port}``, name ``{database}.{schema}.{table}`` (what the OpenLineage
dbt integration names the same tables from the dbt profile); a landing file: namespace ``file``, its path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from service_quality.warehouse.connection import WarehouseDsn


def warehouse_namespace(dsn: WarehouseDsn) -> str:
    from openlineage.client.naming.dataset import Postgres

    return Postgres(dsn.host, str(dsn.port), dsn.dbname, "-", "-").get_namespace()


def warehouse_table(dsn: WarehouseDsn, schema: str, table: str) -> tuple[str, str]:
    """(namespace, name) of ``schema.table`` in the warehouse ``dsn`` points at."""
    from openlineage.client.naming.dataset import Postgres

    naming = Postgres(dsn.host, str(dsn.port), dsn.dbname, schema, table)
    return naming.get_namespace(), naming.get_name()


def landing_file(uri_or_path: str) -> tuple[str, str]:
    """(namespace, name) of a delivered file: ``file`` and its absolute path."""
    from urllib.parse import unquote, urlparse

    from openlineage.client.naming.dataset import LocalFileSystem

    path = unquote(urlparse(uri_or_path).path) if uri_or_path.startswith("file:") else uri_or_path
    naming = LocalFileSystem(path)
    return naming.get_namespace(), naming.get_name()
