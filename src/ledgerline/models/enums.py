"""Enumerations shared by models and wire schemas; values are the documented wire values."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


class CustomerStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    TERMINATED = "TERMINATED"


class SiteStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class BillRunType(str, enum.Enum):
    NORMAL = "NORMAL"
    ADHOC = "ADHOC"


class BillRunStatus(str, enum.Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class InvoiceStatus(str, enum.Enum):
    DRAFT = "DRAFT"
    POSTED = "POSTED"
    CANCELLED = "CANCELLED"


class InvoicePaymentStatus(str, enum.Enum):
    """Elevate's invoice payment status; ``NA`` while an invoice is not posted."""

    NA = "NA"
    PAID = "PAID"
    UNPAID = "UNPAID"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PENDING = "PENDING"
    REFUNDED = "REFUNDED"
    PART_REFUNDED = "PART_REFUNDED"
    REFUND_PENDING = "REFUND_PENDING"
    WRITTEN_OFF = "WRITTEN_OFF"
    DISPUTED = "DISPUTED"


class BillStatus(str, enum.Enum):
    SETTLED = "SETTLED"
    UNSETTLED = "UNSETTLED"
    PARTIALLY_SETTLED = "PARTIALLY_SETTLED"


class PeriodUnit(str, enum.Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    YEAR = "YEAR"


def db_enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, no PostgreSQL TYPE to migrate."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
