"""Names shared with the ingestion: expected outcomes, row rules, rejection reasons and case kinds.

The truth manifest (``truth/cases.jsonl``) says, for every injected case, what the pipeline must do
with it. The rule and reason names are the canonical ones of ``service_quality.contracts``: the
ingestion writes them into ``quarantine.<source>.rule`` and ``ops.deliveries.rejection_reason``, so
a test can compare the manifest with the warehouse name for name.
"""

from __future__ import annotations

# Expected outcomes.
ACCEPTED = "accepted"  # the delivery loads normally (the case is a contract-valid variation)
QUARANTINED = "quarantined"  # the row goes to quarantine.<source> with `rule`
REJECTED = "rejected"  # the whole delivery is rejected with `reason`
LOADED_FLAGGED = "loaded_flagged"  # the row loads; the data-quality mart lists it (referential rule)
OUTCOMES = (ACCEPTED, QUARANTINED, REJECTED, LOADED_FLAGGED)

# Row rules (quarantine.<source>.rule).
RULE_REQUIRED = "required"
RULE_TYPE = "type"
RULE_TIMESTAMP_OFFSET = "timestamp_offset"
RULE_RANGE = "range"
RULE_ENUM = "enum"
RULE_PATTERN = "pattern"
RULE_ARITHMETIC = "arithmetic"
RULE_ORDER = "order"
RULE_ONE_OF_REQUIRED = "one_of_required"
RULE_CONDITIONAL_REQUIRED = "conditional_required"
RULE_MALFORMED_LINE = "malformed_line"
ROW_RULES = (
    RULE_REQUIRED,
    RULE_TYPE,
    RULE_TIMESTAMP_OFFSET,
    RULE_RANGE,
    RULE_ENUM,
    RULE_PATTERN,
    RULE_ARITHMETIC,
    RULE_ORDER,
    RULE_ONE_OF_REQUIRED,
    RULE_CONDITIONAL_REQUIRED,
    RULE_MALFORMED_LINE,
)

# Referential findings (loaded, flagged downstream by the data-quality mart).
FLAG_UNKNOWN_STORE = "unknown_store"
FLAG_UNKNOWN_EMPLOYEE = "unknown_employee"
FLAGS = (FLAG_UNKNOWN_STORE, FLAG_UNKNOWN_EMPLOYEE)

# Delivery rejection reasons (ops.deliveries.rejection_reason).
REASON_MISSING_COLUMN = "missing_column"
REASON_ENCODING = "encoding"
REASON_UNREADABLE = "unreadable"
REASON_EMPTY_FILE = "empty_file"
REASON_NO_ROWS = "no_rows"
REASON_TOO_MANY_BAD_ROWS = "too_many_bad_rows"
REASON_NOT_A_REGULAR_FILE = "not_a_regular_file"  # a link or pipe in the landing zone (not simulated)
DELIVERY_REASONS = (
    REASON_MISSING_COLUMN,
    REASON_ENCODING,
    REASON_UNREADABLE,
    REASON_EMPTY_FILE,
    REASON_NO_ROWS,
    REASON_TOO_MANY_BAD_ROWS,
    REASON_NOT_A_REGULAR_FILE,
)

# Case kinds: what was done to the file (the `case` field of truth/cases.jsonl).
# Contract-valid variations (expected: accepted).
CASE_BOM = "utf8_bom"
CASE_COLUMN_ORDER = "column_order"
CASE_COLUMN_CASE = "column_name_case"
CASE_EXTRA_COLUMN = "extra_column"
CASE_DUPLICATE_KEY = "duplicate_key_in_file"
CASE_REDELIVERY = "identical_redelivery"
# Whole-delivery defects (expected: rejected).
CASE_ENCODING = "cp1251_encoding"
CASE_SEMICOLON = "semicolon_delimiter"
CASE_MISSING_COLUMN = "missing_required_column"
CASE_EMPTY_FILE = "empty_file"
CASE_TRUNCATED_GZIP = "truncated_gzip"
CASE_HEADER_ONLY = "header_only"
CASE_TOO_MANY_BAD_ROWS = "too_many_bad_rows"
# Row defects (expected: quarantined).
CASE_REQUIRED_NULL = "required_null"
CASE_BAD_TYPE = "unparseable_value"
CASE_TIMESTAMP_UNPARSEABLE = "unparseable_timestamp"
CASE_TIMESTAMP_NO_OFFSET = "timestamp_without_offset"
CASE_OUT_OF_RANGE = "out_of_range"
CASE_UNKNOWN_ENUM = "unknown_enum_value"
CASE_BAD_PATTERN = "code_pattern"
CASE_ARITHMETIC = "arithmetic_mismatch"
CASE_ORDER = "order_violation"
CASE_NO_SCORE = "neither_nps_nor_csat"
CASE_BRAND_MISSING = "brand_missing_for_product_knowledge"
# Appeals (expected: quarantined, rule conditional_required): a decision without its date; an overturned answer
# appeal without the corrected answer.
CASE_DECISION_UNDATED = "decision_without_decided_at"
CASE_CORRECTION_MISSING = "overturned_answer_without_correction"
# Referential (expected: loaded_flagged).
CASE_ORPHAN_STORE = "orphan_store_code"
CASE_ORPHAN_EMPLOYEE = "orphan_employee_code"
# Personal data typed into free text (expected: accepted, the text stored with [email] / [phone] / [card]).
CASE_FREE_TEXT_PII = "free_text_pii"
# A comment written without the quotes its comma needs: one line with a field too many (expected: quarantined,
# rule malformed_line, no column; the rest of the file loads).
CASE_MALFORMED_LINE = "unquoted_comma"

FILE_CASES = (
    CASE_BOM,
    CASE_COLUMN_ORDER,
    CASE_COLUMN_CASE,
    CASE_EXTRA_COLUMN,
    CASE_REDELIVERY,
    CASE_ENCODING,
    CASE_SEMICOLON,
    CASE_MISSING_COLUMN,
    CASE_EMPTY_FILE,
    CASE_TRUNCATED_GZIP,
    CASE_HEADER_ONLY,
    CASE_TOO_MANY_BAD_ROWS,
)
ROW_CASES = (
    CASE_DUPLICATE_KEY,
    CASE_REQUIRED_NULL,
    CASE_BAD_TYPE,
    CASE_TIMESTAMP_UNPARSEABLE,
    CASE_TIMESTAMP_NO_OFFSET,
    CASE_OUT_OF_RANGE,
    CASE_UNKNOWN_ENUM,
    CASE_BAD_PATTERN,
    CASE_ARITHMETIC,
    CASE_ORDER,
    CASE_NO_SCORE,
    CASE_BRAND_MISSING,
    CASE_ORPHAN_STORE,
    CASE_ORPHAN_EMPLOYEE,
)
#: Injected besides the cases above, into files that carry none of them (defects.inject_free_text_pii,
#: defects.inject_malformed_lines).
CONTENT_CASES = (CASE_FREE_TEXT_PII, CASE_MALFORMED_LINE)
ALL_CASES = FILE_CASES + ROW_CASES
#: Row cases injected into the appeals exports (``defects.inject_appeal_defects``, a stream of its own): only
#: into files of at least 15 rows whose changed row has an identical later version, so no appeal's truth moves.
APPEAL_CASES = (
    CASE_REQUIRED_NULL,
    CASE_UNKNOWN_ENUM,
    CASE_TIMESTAMP_NO_OFFSET,
    CASE_ORDER,
    CASE_DECISION_UNDATED,
    CASE_CORRECTION_MISSING,
)

#: Codes that never appear in any roster snapshot (used by the orphan cases).
ORPHAN_STORE_CODE = "ZZ-404"
ORPHAN_EMPLOYEE_CODE = "E-UNKNOWN-404"
