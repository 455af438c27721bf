"""Sizes of the simulated chain and the behaviour of each store format.

The numbers are tuned so that the sizes in the issue come out: S ~20 stores / ~400 staff (the demo),
M ~100 / ~2,000, L ~500 / ~10,000 with on the order of 30 million sales lines a year.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    stores: int
    agencies: int
    #: a store opens and another closes during the simulated period (needs a few stores)
    store_events: bool
    #: worker processes used by default (days are independent, so the output does not depend on it)
    workers: int


SCALES: dict[str, Scale] = {
    "XS": Scale("XS", stores=5, agencies=1, store_events=False, workers=1),
    "S": Scale("S", stores=20, agencies=2, store_events=True, workers=2),
    "M": Scale("M", stores=100, agencies=2, store_events=True, workers=2),
    "L": Scale("L", stores=500, agencies=3, store_events=True, workers=2),
}

#: XS is fixed so unit tests see the same small chain whatever the seed: UTC+2 to UTC+10, four formats.
XS_STORES: tuple[tuple[str, str], ...] = (
    ("KGD", "electronics"),
    ("MSK", "supermarket"),
    ("EKB", "service_center"),
    ("NSK", "restaurant"),
    ("VVO", "electronics"),
)


@dataclass(frozen=True)
class FormatProfile:
    """How a store format behaves: staff, traffic, conversion, who sells, opening hours."""

    weight: float  # share of the chain's stores
    headcount: int  # typical staff per store
    #: role -> share of the non-manager staff
    roles: tuple[tuple[str, float], ...]
    #: roles whose name is on the receipt (the seller)
    seller_roles: tuple[str, ...]
    daily_visitors: float
    conversion: float
    lines_per_txn: float  # mean receipt lines
    open_hour: int
    close_hour: int  # exclusive
    #: mystery-shopping product-knowledge visits happen in this format (brands are sold here)
    brand_audits: bool
    #: share of the format's non-manager staff in roles that do not face customers
    back_office_share: float = 0.0


FORMATS: dict[str, FormatProfile] = {
    "electronics": FormatProfile(
        0.40, 18, (("sales_consultant", 0.72), ("cashier", 0.28)), ("sales_consultant",), 560, 0.13, 1.5, 10, 22, True
    ),
    "hypermarket": FormatProfile(
        0.05,
        45,
        (("cashier", 0.55), ("sales_consultant", 0.45)),
        ("cashier", "sales_consultant"),
        750,
        0.38,
        2.4,
        8,
        23,
        True,
    ),
    "supermarket": FormatProfile(
        0.15, 25, (("cashier", 0.7), ("sales_consultant", 0.3)), ("cashier",), 360, 0.48, 1.8, 8, 22, False
    ),
    "convenience": FormatProfile(0.10, 10, (("cashier", 1.0),), ("cashier",), 250, 0.6, 1.3, 7, 23, False),
    "service_center": FormatProfile(
        0.15,
        14,
        (("service_engineer", 0.62), ("receptionist", 0.38)),
        ("receptionist", "service_engineer"),
        90,
        0.6,
        1.3,
        10,
        20,
        True,
        back_office_share=0.25,
    ),
    "restaurant": FormatProfile(
        0.10, 22, (("waiter", 0.78), ("cashier", 0.22)), ("waiter",), 190, 0.8, 2.0, 11, 23, False
    ),
    "hotel": FormatProfile(
        0.05, 20, (("receptionist", 0.5), ("waiter", 0.5)), ("receptionist", "waiter"), 150, 0.22, 1.4, 0, 24, False
    ),
}

#: Brands that manufacturers audit for product knowledge.
PK_BRANDS: tuple[tuple[str, float], ...] = (
    ("Samsung", 0.26),
    ("Apple", 0.2),
    ("Xiaomi", 0.18),
    ("LG", 0.14),
    ("Bosch", 0.12),
    ("Philips", 0.10),
)

#: weekday (Monday = 0) traffic factors; restaurants and hotels lean to the weekend even more
WEEKDAY_FACTOR = (0.86, 0.86, 0.9, 0.95, 1.1, 1.25, 1.08)
#: month (1..12) factors: a quiet January, Black Friday in November, the New-Year peak in December
MONTH_FACTOR = (0.82, 0.86, 0.97, 0.95, 1.0, 0.96, 0.95, 1.0, 1.0, 1.01, 1.14, 1.34)
