"""Run a batch's Great Expectations suite on its scratch tables; store and render the result.

One validation covers the deliveries of a batch that share a file layout (``load.route``): their
committed scratch tables, seen through one ``union all`` view (without the malformed lines: they have no
fields to check, SQL quarantines them). GX reads it through its own SQL
datasource on the same PostgreSQL, in SUMMARY
result format (counts, not rows: the per-row routing is done by SQL in ``load``). Its per-expectation
unexpected counts must equal what SQL quarantined for the same (column, rule); a disagreement is a bug
and fails the load before anything is committed.

The result is stored in ``ops.validation_results`` (its deliveries in ``ops.validation_deliveries``) and
rendered as a GX Data Docs page under the Data Docs root (``<root>/index.html`` lists every validation).

The pages work offline: GX's templates load Bootstrap, jQuery and a few widgets from public CDNs, so on a
locked-down network a page is unstyled text. Each page is rewritten to load the Bootstrap and jQuery its
templates were written for from ``<root>/static/``, copied there from ``data_docs_static/`` (the files
of the npm packages ``bootstrap@4.3.1`` and ``jquery@3.7.1``, with their licences); the other CDN links
(icons, date pickers, table filters, Vega) are dropped, as a validation page does not use them. The GX
data asset is named after the source and the delivery, and the validation run after the DAG run.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service_quality.contracts import ROW_RULES, RULE_MALFORMED_LINE, Contract
from service_quality.ingest.errors import ValidationDisagreement
from service_quality.ingest.landing import Delivery
from service_quality.ingest.reader import Layout
from service_quality.ingest.settings import IngestSettings
from service_quality.warehouse.connection import WarehouseDsn

log = logging.getLogger(__name__)

_CONTEXT: Any = None
_DATASOURCES: dict[str, Any] = {}


def _context() -> Any:
    global _CONTEXT
    if _CONTEXT is None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        _CONTEXT = gx.get_context(mode="ephemeral")
        _CONTEXT.variables.progress_bars = ProgressBarsConfig(globally=False)
    return _CONTEXT


def _datasource(dsn: WarehouseDsn) -> Any:
    key = dsn.uri
    if key not in _DATASOURCES:
        name = f"warehouse_{len(_DATASOURCES)}"
        _DATASOURCES[key] = _context().data_sources.add_postgres(name, connection_string=dsn.uri)
    return _DATASOURCES[key]


_SUITES: dict[tuple, Any] = {}


def _suite(source: str, present: dict[str, str], timezones: tuple[str, ...]) -> Any:
    """The suite from ``expectations/<source>.py`` (loaded by path: expectations/ is not a package on sys.path).

    Built once per process and file layout: a task that validates many batches builds it once."""
    import importlib.util

    from service_quality.paths import EXPECTATIONS_DIR

    key = (source, tuple(sorted(present.items())), timezones)
    if key not in _SUITES:
        _context()  # GX suites need an active data context
        module_name = f"sqw_expectations_{source}"
        spec = importlib.util.spec_from_file_location(module_name, EXPECTATIONS_DIR / f"{source}.py")
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        _SUITES[key] = module.build_suite(present, timezones)
    return _SUITES[key]


@dataclass
class GxOutcome:
    source: str
    suite_name: str
    success: bool
    evaluated: int
    successful: int
    rows_checked: int
    #: (column, rule) -> rows GX found unexpected, for the row rules
    unexpected: dict[tuple[str | None, str], int]
    result: dict[str, Any]
    data_docs_uri: str | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def rows_unexpected_total(self) -> int:
        return sum(self.unexpected.values())

    def assert_agrees(self, quarantined: dict[tuple[str | None, str], int], path: str) -> None:
        # A malformed line never reaches GX (its view leaves it out): there are no fields to check.
        keys = set(self.unexpected) | {k for k in quarantined if k[1] in ROW_RULES and k[1] != RULE_MALFORMED_LINE}
        diff = {k: (self.unexpected.get(k, 0), quarantined.get(k, 0)) for k in keys}
        diff = {k: v for k, v in diff.items() if v[0] != v[1]}
        if diff:
            raise ValidationDisagreement(
                f"{path}: Great Expectations and the SQL routing disagree (column, rule: gx, sql): {diff}"
            )

    def store(self, conn, source: str, deliveries: list[tuple[int, int, int]]) -> int:
        """One row for the validation, one per delivery it covered: (delivery_id, rows_checked, rows_unexpected)."""
        validation_id = conn.execute(
            """
            insert into ops.validation_results (delivery_id, deliveries, source, suite_name, success,
                evaluated_expectations, successful_expectations, unsuccessful_expectations, rows_checked,
                rows_unexpected, result, data_docs_uri)
            values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            returning validation_id
            """,
            [
                deliveries[0][0] if len(deliveries) == 1 else None,
                len(deliveries),
                source,
                self.suite_name,
                self.success,
                self.evaluated,
                self.successful,
                self.evaluated - self.successful,
                self.rows_checked,
                self.rows_unexpected_total,
                json.dumps(self.result, default=str),
                self.data_docs_uri,
            ],
        ).fetchone()[0]
        conn.cursor().executemany(
            "insert into ops.validation_deliveries (validation_id, delivery_id, rows_checked, rows_unexpected)"
            " values (%s, %s, %s, %s)",
            [(validation_id, *d) for d in deliveries],
        )
        return validation_id


def validate_scratch(
    dsn: WarehouseDsn,
    schema: str,
    table: str,
    contract: Contract,
    layout: Layout,
    timezones: tuple[str, ...],
    deliveries: list[Delivery],
    settings: IngestSettings,
    run_name: str | None = None,
) -> GxOutcome:
    """Validate ``schema.table`` (a scratch table or a batch's view of several) with the source's suite.

    ``run_name`` names the validation run on its Data Docs page (the DAG run that loaded the batch)."""
    from service_quality.ingest.sql.rules import Compiler, ident
    from service_quality.ingest.sql.scratch_tables import MALFORMED
    from service_quality.ingest.suites import flag_column, is_native

    # The batch: the scratch table plus each non-native check's verdict, from the loader's own SQL.
    compiler = Compiler(contract, layout.present, alias="s", timezones=timezones, shared=True)
    flags = [
        f"{chk.broken} as {ident(flag_column(chk))}" for chk in compiler.checks() if not is_native(chk, layout.present)
    ]
    view = f"{table}_gx"
    qualified_view = f"{schema}.{ident(view)}"
    with dsn.connect(autocommit=True) as conn:
        conn.execute(f"drop view if exists {qualified_view}")
        # offset 0: each flag is computed once per row. GX names a flag twice per expectation ("not null and
        # not in set"), and a view's expressions are inlined wherever they are named.
        conn.execute(
            f"create view {qualified_view} as select * from (select s.*{''.join(', ' + f for f in flags)}"
            f" from {schema}.{ident(table)} as s {compiler.lateral()} where s.{MALFORMED} is null offset 0) as s"
        )
    datasource = _datasource(dsn)
    # The page names the batch after its data asset: the source and the delivery, not the scratch table.
    asset_name = f"{contract.source}: {_label(deliveries)}"
    asset = datasource.add_table_asset(asset_name, table_name=view, schema_name=schema)
    try:
        batch = asset.add_batch_definition_whole_table("whole").get_batch()
        suite = _suite(contract.source, layout.present, timezones)
        # SUMMARY counts without the sample of unexpected values (one more query per expectation).
        result = batch.validate(suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": 0})
    finally:
        datasource.delete_asset(asset_name)
        with dsn.connect(autocommit=True) as conn:
            conn.execute(f"drop view if exists {qualified_view}")
    outcome = _outcome(contract, suite, result)
    if settings.build_data_docs:
        outcome.data_docs_uri = _render(result, contract, deliveries, settings.data_docs_root, run_name)
    log.info(
        "%s: GX suite %s: %s of %s expectations met",
        _label(deliveries),
        outcome.suite_name,
        outcome.successful,
        outcome.evaluated,
    )
    return outcome


def _outcome(contract: Contract, suite: Any, result: Any) -> GxOutcome:
    data = result.to_json_dict()
    unexpected: dict[tuple[str | None, str], int] = {}
    rows = 0
    for r in data["results"]:
        meta = r["expectation_config"].get("meta") or {}
        rule = meta.get("rule")
        res = r.get("result") or {}
        if _raised(r.get("exception_info")):
            raise ValidationDisagreement(
                f"GX could not evaluate {r['expectation_config']['type']} ({meta}): {_exception_message(r)}"
            )
        if r["expectation_config"]["type"] == "expect_table_row_count_to_be_between":
            rows = int(res.get("observed_value") or 0)
        if rule not in ROW_RULES:
            continue
        if r["expectation_config"]["type"] == "unexpected_rows_expectation":
            count = int(res.get("observed_value") or 0)
        else:
            count = int(res.get("unexpected_count") or 0)
        if count:
            unexpected[(meta.get("column"), rule)] = count
    stats = data.get("statistics") or {}
    return GxOutcome(
        source=contract.source,
        suite_name=suite.name,
        success=bool(data["success"]),
        evaluated=int(stats.get("evaluated_expectations", len(data["results"]))),
        successful=int(stats.get("successful_expectations", 0)),
        rows_checked=rows,
        unexpected=unexpected,
        result=data,
    )


def _raised(info: Any) -> bool:
    """GX reports an expectation that crashed in ``exception_info`` (flat or keyed by metric)."""
    if not info:
        return False
    if isinstance(info, dict) and "raised_exception" in info:
        return bool(info["raised_exception"])
    if isinstance(info, dict):
        return any(_raised(v) for v in info.values() if isinstance(v, dict)) or any(
            "exception_traceback" in k for k in info
        )
    return False


def _exception_message(r: dict[str, Any]) -> str:
    info = r.get("exception_info") or {}
    found = [info.get("exception_message")] if "exception_message" in info else []
    found += [v.get("exception_message") for v in info.values() if isinstance(v, dict)]
    return "; ".join(str(m)[:400] for m in found if m) or str(info)[:400]


def _label(deliveries: list[Delivery]) -> str:
    first = deliveries[0].path
    return first if len(deliveries) == 1 else f"{first} and {len(deliveries) - 1} more"


#: The Bootstrap and jQuery builds GX's page templates were written for (npm packages, see the module docstring).
STATIC_SOURCE = Path(__file__).parent / "data_docs_static"
_CDN_TAG = re.compile(
    r"""<link[^>]*href=["']https?://[^"']*["'][^>]*>|<script[^>]*src=["']https?://[^"']*["'][^>]*>\s*</script>""",
    re.IGNORECASE,
)


def offline_page(page: str, static_prefix: str) -> str:
    """``page`` without any stylesheet or script from another host, loading the vendored ones instead."""
    local = (
        f'<link rel="stylesheet" href="{static_prefix}bootstrap.min.css">'
        f'<script src="{static_prefix}jquery.min.js"></script>'
        f'<script src="{static_prefix}bootstrap.bundle.min.js"></script>'
    )
    page = _CDN_TAG.sub("", page)
    return page.replace("<head>", "<head>" + local, 1) if "<head>" in page else local + page


def copy_static(base: Path) -> Path:
    """``<base>/static/``: the vendored assets and their licences (rewritten only when they differ)."""
    target = base / "static"
    target.mkdir(parents=True, exist_ok=True)
    for file in STATIC_SOURCE.iterdir():
        if file.is_file():
            copy = target / file.name
            if not copy.exists() or copy.stat().st_size != file.stat().st_size:
                shutil.copyfile(file, copy)
    return target


def _render(
    result: Any, contract: Contract, deliveries: list[Delivery], root: str, run_name: str | None = None
) -> str | None:
    """A GX Data Docs page for this validation, and the index that lists every page."""
    try:
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.render.renderer import ValidationResultsPageRenderer
        from great_expectations.render.view import DefaultJinjaPageView

        previous = result.meta.get("run_id")
        result.meta["run_id"] = RunIdentifier(
            run_name=run_name or "outside Airflow (sqw ingest)",
            run_time=getattr(previous, "run_time", None),
        )
        # The batch spec names the scratch view GX read, dropped right after the validation: not for a reader.
        spec = result.meta.get("batch_spec")
        if isinstance(spec, dict):
            result.meta["batch_spec"] = {k: v for k, v in spec.items() if k not in ("table_name", "schema_name")}
        page = DefaultJinjaPageView().render(ValidationResultsPageRenderer().render(result))
    except Exception as exc:  # noqa: BLE001 - a rendering problem must not lose the load
        log.warning("%s: could not render Data Docs: %s", _label(deliveries), exc)
        return None
    base = Path(root)
    key = (
        deliveries[0].sha256
        if len(deliveries) == 1
        else hashlib.sha256("".join(d.sha256 for d in deliveries).encode()).hexdigest()
    )
    target = base / "validations" / contract.source / f"{key}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    copy_static(base)
    target.write_text(offline_page(page, "../../static/"), encoding="utf-8")
    meta = {
        "source": contract.source,
        "path": _label(deliveries),
        "paths": [d.path for d in deliveries],
        "arrived_at": max(d.arrived_at for d in deliveries),
        "success": bool(result.success),
        "run_name": run_name,
        "page": target.relative_to(base).as_posix(),
    }
    (target.with_suffix(".json")).write_text(json.dumps(meta), encoding="utf-8")
    write_index(base)
    return target.resolve().as_uri()


def write_index(base: Path) -> Path:
    """``index.html``: every validation page, newest arrival first, failed ones marked; styled with the
    vendored Bootstrap (no CDN) and linked back to the operators' home in the Airflow UI."""
    copy_static(base)
    entries = []
    for meta_file in (base / "validations").rglob("*.json"):
        try:
            entries.append(json.loads(meta_file.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    entries.sort(key=lambda e: (e["arrived_at"], e["path"]), reverse=True)
    failed = sum(1 for e in entries if not e["success"])
    rows = "\n".join(
        f"<tr class='{'' if e['success'] else 'table-danger'}'><td>{html.escape(e['source'])}</td>"
        f"<td><a href='{html.escape(e['page'])}'>{html.escape(e['path'])}</a></td>"
        f"<td>{html.escape(e['arrived_at'])}</td><td>{html.escape(e.get('run_name') or '')}</td>"
        f"<td>{'passed' if e['success'] else '<strong>FAILED</strong>'}</td></tr>"
        for e in entries
    )
    index = base / "index.html"
    tmp = base / f".index.{os.getpid()}.html"
    tmp.write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Ingestion validations (Great Expectations)</title>"
        "<link rel='stylesheet' href='static/bootstrap.min.css'></head><body class='p-4'>"
        "<h1 class='h3'>Ingestion validations</h1>"
        f"<p class='text-muted'>{len(entries)} validations, {failed} failed. One Great Expectations validation per "
        "batch of deliveries with the same file layout; rows that broke a rule are in "
        "<code>quarantine.&lt;source&gt;</code>. <a href='/service-quality/ops/' target='_top'>Operators' home</a>"
        "</p><table class='table table-sm table-hover table-bordered'><thead class='thead-light'><tr><th>source</th>"
        "<th>delivery</th><th>arrived</th><th>DAG run</th><th>result</th></tr></thead><tbody>"
        f"{rows}</tbody></table></body></html>",
        encoding="utf-8",
    )
    tmp.replace(index)
    return index
