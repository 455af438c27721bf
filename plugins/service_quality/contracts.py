"""The landing-zone data contracts, declared once for all ten sources.

Everything that checks a delivery is derived from these declarations: the SQL predicates that route
rows to ``raw`` or ``quarantine`` (``service_quality.ingest.sql.rules``), the Great Expectations suites in
``expectations/`` and the documentation. Adding a rule here adds it everywhere; there is no second
copy to keep in sync. The text version of these contracts is ``DATA_CONTRACTS.md``.

Rule names are canonical (they are what ``quarantine.<source>.rule`` and the simulator's manifest use):
row rules ``required``, ``type``, ``timestamp_offset``, ``range``, ``enum``, ``pattern``,
``arithmetic``, ``order``, ``one_of_required``, ``conditional_required``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

ColumnType = Literal["text", "integer", "decimal", "date", "timestamptz", "boolean"]

ROW_RULES = (
    "required",
    "type",
    "timestamp_offset",
    "range",
    "enum",
    "pattern",
    "arithmetic",
    "order",
    "one_of_required",
    "conditional_required",
    "malformed_line",
)
#: A line of a CSV delivery that cannot be a row: a field count that differs from the header, a field longer
#: than 64 KiB, quotes the CSV grammar does not allow. Quarantined whole (no column), its text cut to 64 KiB.
RULE_MALFORMED_LINE = "malformed_line"
#: Why a whole delivery is rejected (``ops.deliveries.rejection_reason``).
DeliveryReason = Literal[
    "missing_column", "encoding", "unreadable", "empty_file", "no_rows", "too_many_bad_rows", "not_a_regular_file"
]
DELIVERY_REASONS: tuple[DeliveryReason, ...] = get_args(DeliveryReason)

#: A delivery whose share of bad rows exceeds this is rejected as a whole (DATA_CONTRACTS.md: 10 %).
DEFAULT_BAD_ROW_THRESHOLD = 0.10

#: An audit answer: yes_no questions take yes/no/na, scale_0_5 questions 0–5 or na (which fits is checked downstream).
ANSWERS = ("yes", "no", "na", "0", "1", "2", "3", "4", "5")

CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{1,19}$"

#: The pseudo-enum "a valid IANA time-zone name" is checked against PostgreSQL's own zone list.
IANA_TIMEZONES = "@iana_timezones"


@dataclass(frozen=True)
class Column:
    """One contract column. ``sql_type`` is the column's type in ``raw`` (what the value is cast to)."""

    name: str
    type: ColumnType = "text"
    required: bool = False
    pattern: str | None = None
    enum: tuple[str, ...] | str | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    not_equal: float | None = None
    pii: bool = False
    #: typed by people, so it may hold personal data: scrubbed before the warehouse (``ingest.scrub``)
    free_text: bool = False
    sql_type: str | None = None
    #: a timestamp that must fall on the hour (traffic.hour_start); broken = rule ``range``.
    on_the_hour: bool = False

    @property
    def raw_type(self) -> str:
        if self.sql_type:
            return self.sql_type
        return {
            "text": "text",
            "integer": "integer",
            "decimal": "numeric",
            "date": "date",
            "timestamptz": "timestamptz",
            "boolean": "boolean",
        }[self.type]

    @property
    def has_range(self) -> bool:
        return self.minimum is not None or self.maximum is not None or self.not_equal is not None or self.on_the_hour


@dataclass(frozen=True)
class Order:
    """``later`` must not be before ``earlier`` (both nullable; checked when both are present)."""

    earlier: str
    later: str


@dataclass(frozen=True)
class Arithmetic:
    """``column`` = ``expression`` within ``tolerance``; the expression uses contract column names."""

    column: str
    expression: str
    inputs: tuple[str, ...]
    tolerance: float


@dataclass(frozen=True)
class OneOfRequired:
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ConditionalRequired:
    """``column`` is required when ``when_column`` equals ``when_value`` (``None``: holds any value) and every
    column of ``also_present`` holds a value."""

    column: str
    when_column: str
    when_value: str | None
    also_present: tuple[str, ...] = ()

    @property
    def condition(self) -> str:
        """The condition in words, for messages and documentation."""
        parts = [
            f"{self.when_column} is given" if self.when_value is None else f"{self.when_column} = {self.when_value}"
        ]
        parts += [f"{name} is given" for name in self.also_present]
        return " and ".join(parts)


@dataclass(frozen=True)
class Contract:
    source: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    snapshot: bool = False
    formats: tuple[str, ...] = (".csv", ".csv.gz")
    orders: tuple[Order, ...] = ()
    arithmetic: tuple[Arithmetic, ...] = ()
    one_of_required: tuple[OneOfRequired, ...] = ()
    conditional_required: tuple[ConditionalRequired, ...] = ()
    bad_row_threshold: float = DEFAULT_BAD_ROW_THRESHOLD
    description: str = ""
    #: delivered on a cadence (daily, weekly): the transform DAG waits for a load of every such source. A source
    #: that arrives irregularly (appeals, only when someone files or decides one) is read by whichever
    #: transform runs next, so a period without any of its files never holds the transform back.
    arrives_regularly: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns that must be present in the header (a missing one rejects the delivery)."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def pii_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.pii)

    @property
    def free_text_columns(self) -> tuple[str, ...]:
        """Columns whose e-mails, phone and card numbers are replaced before the warehouse (DATA_CONTRACTS.md)."""
        return tuple(c.name for c in self.columns if c.free_text)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.source} has no column {name!r}")

    @property
    def raw_table(self) -> str:
        return f"raw.{self.source}"

    @property
    def quarantine_table(self) -> str:
        return f"quarantine.{self.source}"

    @property
    def asset_uri(self) -> str:
        """The Airflow Asset a load of this source emits (the transform DAG schedules on it).

        The brief's ``postgres://warehouse/raw/<source>`` is rejected by the Postgres provider's URI check
        (it needs host, database, schema and table), so the database is spelled out: host ``warehouse``
        (the connection), database ``warehouse``, schema ``raw``, table ``<source>``.
        """
        return f"postgres://warehouse/warehouse/raw/{self.source}"

    def raw_column(self, name: str) -> str:
        """The ``raw`` column a contract column lands in (PII lands as its keyed hash)."""
        return f"{name}_hash" if self.column(name).pii else name

    def accepts(self, filename: str) -> bool:
        return filename.lower().endswith(self.formats)


def _code(name: str, required: bool = True) -> Column:
    return Column(name, required=required, pattern=CODE_PATTERN)


CONTRACTS: dict[str, Contract] = {
    c.source: c
    for c in (
        Contract(
            "stores",
            (
                _code("store_code"),
                Column("store_name", required=True),
                Column("region", required=True),
                Column("city", required=True),
                Column(
                    "format",
                    required=True,
                    enum=(
                        "hypermarket",
                        "supermarket",
                        "convenience",
                        "electronics",
                        "service_center",
                        "restaurant",
                        "hotel",
                    ),
                ),
                Column("timezone", required=True, enum=IANA_TIMEZONES),
                Column("opened_on", "date", required=True),
                Column("closed_on", "date"),
            ),
            primary_key=("store_code",),
            snapshot=True,
            orders=(Order("opened_on", "closed_on"),),
            description="the chain's stores (full snapshot each delivery)",
        ),
        Contract(
            "employees",
            (
                _code("employee_code"),
                Column("full_name", required=True),
                Column("badge_name", required=True),
                Column("hired_on", "date", required=True),
                Column("terminated_on", "date"),
                Column("is_customer_facing", "boolean", required=True),
            ),
            primary_key=("employee_code",),
            snapshot=True,
            orders=(Order("hired_on", "terminated_on"),),
            description="the staff roster (full snapshot each delivery)",
        ),
        Contract(
            "assignments",
            (
                Column("employee_code", required=True),
                Column("store_code", required=True),
                Column(
                    "role",
                    required=True,
                    enum=(
                        "sales_consultant",
                        "cashier",
                        "store_manager",
                        "service_engineer",
                        "waiter",
                        "receptionist",
                    ),
                ),
                Column("valid_from", "date", required=True),
                Column("valid_to", "date"),
                Column(
                    "fte",
                    "decimal",
                    required=True,
                    minimum=0,
                    exclusive_minimum=True,
                    maximum=1,
                    sql_type="numeric(5, 3)",
                ),
            ),
            primary_key=("employee_code", "valid_from"),
            snapshot=True,
            orders=(Order("valid_from", "valid_to"),),
            description="who works where, in which role (full snapshot each delivery)",
        ),
        Contract(
            "shifts",
            (
                Column("employee_code", required=True),
                Column("store_code", required=True),
                Column("work_date", "date", required=True),
                Column(
                    "hours_worked",
                    "decimal",
                    required=True,
                    minimum=0,
                    exclusive_minimum=True,
                    maximum=24,
                    sql_type="numeric(6, 2)",
                ),
            ),
            primary_key=("employee_code", "work_date"),
            description="hours worked per employee and day",
        ),
        Contract(
            "sales",
            (
                Column("transaction_id", required=True),
                Column("line_no", "integer", required=True, minimum=1),
                Column("store_code", required=True),
                Column("employee_code"),
                Column("sold_at", "timestamptz", required=True),
                Column("sku", required=True),
                Column("brand"),
                Column("category"),
                Column("quantity", "integer", required=True, not_equal=0),
                Column("unit_price", "decimal", required=True, minimum=0, sql_type="numeric(14, 2)"),
                Column("discount_amount", "decimal", required=True, minimum=0, sql_type="numeric(14, 2)"),
                Column("line_amount", "decimal", required=True, sql_type="numeric(14, 2)"),
            ),
            primary_key=("transaction_id", "line_no"),
            arithmetic=(
                Arithmetic(
                    "line_amount",
                    "quantity * unit_price - discount_amount",
                    ("quantity", "unit_price", "discount_amount"),
                    0.01,
                ),
            ),
            description="receipt lines (one row per line; negative quantity = return)",
        ),
        Contract(
            "traffic",
            (
                Column("store_code", required=True),
                Column("hour_start", "timestamptz", required=True, on_the_hour=True),
                Column("visitors", "integer", required=True, minimum=0),
            ),
            primary_key=("store_code", "hour_start"),
            description="door-counter visitors per store and hour",
        ),
        Contract(
            "surveys",
            (
                Column("response_id", required=True),
                Column("visited_at", "timestamptz", required=True),
                Column("submitted_at", "timestamptz", required=True),
                Column("store_code", required=True),
                Column("employee_code"),
                Column("transaction_id"),
                Column("channel", required=True, enum=("receipt_qr", "sms", "email", "web", "kiosk")),
                Column("nps", "integer", minimum=0, maximum=10, sql_type="smallint"),
                Column("csat", "integer", minimum=1, maximum=5, sql_type="smallint"),
                Column("ces", "integer", minimum=1, maximum=7, sql_type="smallint"),
                Column("comment", free_text=True),
                Column("language"),
                Column("customer_email", pii=True),
                Column("customer_phone", pii=True),
            ),
            primary_key=("response_id",),
            formats=(".csv", ".csv.gz", ".jsonl", ".jsonl.gz"),
            orders=(Order("visited_at", "submitted_at"),),
            one_of_required=(OneOfRequired(("nps", "csat")),),
            description="customer feedback (CSV or JSON Lines); contact fields are PII",
        ),
        Contract(
            "audit_visits",
            (
                Column("visit_id", required=True),
                Column("agency", required=True),
                Column("shopper_code", required=True),
                Column("visited_at", "timestamptz", required=True),
                Column("store_code", required=True),
                Column("employee_code"),
                Column("employee_badge_name"),
                Column("scenario", required=True, enum=("service", "product_knowledge")),
                Column("brand"),
                Column("checklist_version", required=True),
                Column("status", required=True, enum=("validated", "disputed", "rejected")),
            ),
            primary_key=("visit_id",),
            conditional_required=(ConditionalRequired("brand", "scenario", "product_knowledge"),),
            description="mystery-shopping visits; a later delivery may change a visit's status",
        ),
        Contract(
            "audit_answers",
            (
                Column("visit_id", required=True),
                Column("question_code", required=True),
                Column("answer", required=True, enum=ANSWERS),
                Column("comment", free_text=True),
            ),
            primary_key=("visit_id", "question_code"),
            description="mystery-shopping answers, one row per question of a visit",
        ),
        Contract(
            "appeals",
            (
                Column("appeal_id", required=True),
                Column("visit_id", required=True),
                Column("question_code"),
                Column("filed_at", "timestamptz", required=True),
                Column("filed_by", required=True),
                Column(
                    "category",
                    required=True,
                    enum=("wrong_answer", "wrong_employee", "shopper_error", "technical", "other"),
                ),
                Column("reason", required=True, free_text=True),
                Column("decision", enum=("upheld", "overturned")),
                Column("corrected_answer", enum=ANSWERS),
                Column("corrected_employee_code"),
                Column("decided_at", "timestamptz"),
                Column("decided_by"),
            ),
            primary_key=("appeal_id",),
            formats=(".csv", ".csv.gz", ".jsonl", ".jsonl.gz"),
            orders=(Order("filed_at", "decided_at"),),
            conditional_required=(
                ConditionalRequired("decided_at", "decision", None),
                ConditionalRequired("corrected_answer", "decision", "overturned", also_present=("question_code",)),
            ),
            description="appeals against mystery-shopping results; a later delivery (a decision) updates an appeal",
            arrives_regularly=False,
        ),
    )
}

SOURCES: tuple[str, ...] = tuple(CONTRACTS)
#: The sources the transform DAG's schedule waits for (``Contract.arrives_regularly``).
REGULAR_SOURCES: tuple[str, ...] = tuple(s for s, c in CONTRACTS.items() if c.arrives_regularly)


def contract(source: str) -> Contract:
    try:
        return CONTRACTS[source]
    except KeyError:
        raise KeyError(f"unknown source {source!r}; the sources are: {', '.join(SOURCES)}") from None


#: Sources that also have a file-less pull (an HTTP API) besides landing-zone files.
API_SOURCES = ("surveys",)

__all__ = [
    "CONTRACTS",
    "SOURCES",
    "REGULAR_SOURCES",
    "ROW_RULES",
    "DELIVERY_REASONS",
    "Column",
    "Contract",
    "contract",
]
