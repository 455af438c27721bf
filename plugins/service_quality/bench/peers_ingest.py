"""The ingest benchmark's peers: the same month of sales files loaded the ways other projects load them.

Both run inside the ingest benchmark (:mod:`service_quality.bench.ingestion`), on the same files, into
the same warehouse database, right after the project's own validated load, so the machine's load is
shared alike:

* **dlt, with its defaults.** dlt's documented way to load CSV files: the ``filesystem`` source piped
  into ``read_csv``, ``pipeline.run`` to the ``postgres`` destination. dlt is not in the project's lock
  file, so it runs from an environment of its own (``benchmarks/work/peers/dlt-venv``, made with uv and
  reused while its requirements are unchanged) through :mod:`service_quality.bench.peer_dlt_load`. It
  validates nothing beyond what its schema inference rejects, and quarantines nothing.
* **The "GX operator" pattern.** What an Airflow task with Great Expectations' data-frame operator does:
  ``pandas.read_csv`` of each file, one GX 1.x validation of the data frame against the contract's rules
  written as GX expectations (:func:`pandas_suite`: the same columns and rules the project's suite and
  SQL rules check), then ``DataFrame.to_sql``; a failed validation fails the whole batch (nothing is
  quarantined). It shares the project's GX, pandas and SQLAlchemy, so it runs in the project's
  environment.

Each peer gets a warm-up load on a small file first, untimed, as the project's load does.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from service_quality.bench.workspace import work_dir
from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)

#: The dlt peer's environment: dlt with its PostgreSQL extra, and pandas for its ``read_csv``.
DLT_REQUIREMENTS = ("dlt[postgres]==1.31.0", "pandas")
#: The sales contract's rules, as GX expectations on a data frame read by pandas.
TIMESTAMP_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}(:?\d{2})?|Z)$"
REQUIRED = (
    "transaction_id",
    "line_no",
    "store_code",
    "sold_at",
    "sku",
    "quantity",
    "unit_price",
    "discount_amount",
    "line_amount",
)
INTEGERS = ("line_no", "quantity")
DECIMALS = ("unit_price", "discount_amount", "line_amount")
TEXT = ("transaction_id", "store_code", "employee_code", "sku", "brand", "category")


def peer_python(name: str, requirements: tuple[str, ...]) -> Path:
    """The interpreter of a peer's own virtual environment (created with uv on first use)."""
    venv = work_dir("peers") / f"{name}-venv"
    python = venv / "bin" / "python"
    marker = venv / ".requirements"
    wanted = "\n".join(requirements)
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    uv = Path(sys.executable).parent / "uv"
    started = time.monotonic()
    for command in (
        [str(uv), "venv", "--quiet", "--clear", str(venv), "--python", sys.executable],
        [str(uv), "pip", "install", "--quiet", "--python", str(python), *requirements],
    ):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(
                f"could not prepare the {name} peer's environment in {venv} ({' '.join(command[:3])}): "
                f"{done.stderr.strip()[-2000:]}"
            )
    marker.write_text(wanted)
    log.info("%s peer environment ready in %.0f s: %s", name, time.monotonic() - started, venv)
    return python


def dlt_load(dsn: WarehouseDsn, month_root: Path, warm_root: Path, scratch: Path) -> tuple[int, float]:
    """(rows, seconds) of dlt loading every ``*.csv*`` file under ``month_root`` (after a warm-up)."""
    python = peer_python("dlt", DLT_REQUIREMENTS)
    # dlt insists on a password; a server that trusts local connections (as the benchmark's may) ignores it.
    auth = f"{dsn.user}:{dsn.password or 'unused'}"
    config = {
        "credentials": f"postgresql://{auth}@{dsn.host}:{dsn.port}/{dsn.dbname}",
        "pipelines_dir": str(scratch / "dlt_pipelines"),
        "warm_up": {"bucket_url": warm_root.as_uri(), "file_glob": "**/*.csv*", "dataset": "bench_dlt_warm"},
        "month": {"bucket_url": month_root.as_uri(), "file_glob": "**/*.csv*", "dataset": "bench_dlt"},
    }
    script = Path(__file__).with_name("peer_dlt_load.py")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(scratch), "RUNTIME__DLTHUB_TELEMETRY": "false"}
    done = subprocess.run(
        [str(python), str(script), json.dumps(config)], capture_output=True, text=True, env=env, cwd=scratch
    )
    if done.returncode != 0:
        raise RuntimeError(f"the dlt peer failed (exit {done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    return int(outcome["rows"]), float(outcome["seconds"])


def pandas_suite() -> Any:
    """The sales contract (DATA_CONTRACTS.md) as GX expectations on the data frame ``read_csv`` gives."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name="sales_peer_contract")
    for column in (*TEXT, "sold_at", *INTEGERS, *DECIMALS):
        suite.add_expectation(gxe.ExpectColumnToExist(column=column))
    suite.add_expectation(gxe.ExpectTableRowCountToBeBetween(min_value=1))
    for column in REQUIRED:
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column))
    for column in INTEGERS:
        suite.add_expectation(gxe.ExpectColumnValuesToBeInTypeList(column=column, type_list=["int64", "Int64"]))
    for column in DECIMALS:
        suite.add_expectation(
            gxe.ExpectColumnValuesToBeInTypeList(column=column, type_list=["float64", "int64", "Int64"])
        )
    suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(column="sold_at", regex=TIMESTAMP_WITH_OFFSET))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="line_no", min_value=1))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeInSet(column="quantity", value_set=[0]))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="unit_price", min_value=0))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="discount_amount", min_value=0))
    # line_amount = quantity * unit_price - discount_amount, within 0.01: GX has no three-column rule for
    # data frames, so the difference is a derived column, as such suites usually do it.
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="line_amount_error", max_value=0.01))
    return suite


class GxPandasPeer:
    """read_csv -> GX validation of the data frame -> to_sql, with one GX context for the process."""

    def __init__(self, engine: Any, schema: str) -> None:
        import great_expectations as gx

        self.engine = engine
        self.schema = schema
        self.context = gx.get_context(mode="ephemeral")
        self.asset = self.context.data_sources.add_pandas("peer_pandas").add_dataframe_asset("sales")
        self.batch_definition = self.asset.add_batch_definition_whole_dataframe("batch")
        self.suite = self.context.suites.add(pandas_suite())

    def load(self, paths: list[Path]) -> int:
        import pandas as pd

        frame = pd.concat(
            [
                pd.read_csv(path, dtype={"transaction_id": str, "store_code": str, "employee_code": str, "sku": str})
                for path in paths
            ],
            ignore_index=True,
        )
        frame["line_amount_error"] = (
            frame["quantity"] * frame["unit_price"] - frame["discount_amount"] - frame["line_amount"]
        ).abs()
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(self.suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": 0})
        if not result.success:
            failed = [r.expectation_config.type for r in result.results if not r.success]
            raise RuntimeError(f"the GX operator pattern's validation failed (the batch is not loaded): {failed}")
        frame = frame.drop(columns="line_amount_error")
        frame["sold_at"] = pd.to_datetime(frame["sold_at"], utc=True, format="ISO8601")
        frame.to_sql("sales", self.engine, schema=self.schema, if_exists="append", index=False)
        return len(frame)


def gx_pandas_load(engine: Any, schema: str, paths: list[Path], warm_paths: list[Path]) -> tuple[int, float]:
    """(rows, seconds) of the GX-operator pattern over ``paths`` as one batch, after a warm-up batch."""
    peer = GxPandasPeer(engine, schema)
    peer.load(warm_paths)
    started = time.perf_counter()
    rows = peer.load(paths)
    return rows, time.perf_counter() - started
