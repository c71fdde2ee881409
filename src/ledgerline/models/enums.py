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


class GiftCertificateStatus(str, enum.Enum):
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


class ProviderStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class PaymentStatus(str, enum.Enum):
    """Seed 004's life cycle (DESIGN "Payments")."""

    DRAFT = "DRAFT"
    POSTED = "POSTED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    PENDING_VERIFICATION = "PENDING_VERIFICATION"


class PaymentMethod(str, enum.Enum):
    """Elevate's PaymentMethod enum (vendor notes)."""

    CHEQUE = "CHEQUE"
    DIRECT_DEBIT = "DIRECT_DEBIT"
    CANCELLED_DD = "CANCELLED_DD"
    CANCELLED_CARD = "CANCELLED_CARD"
    CREDIT_CARD = "CREDIT_CARD"
    PAYPAL = "PAYPAL"
    BACS = "BACS"
    POST_OFFICE_PAYMENT_CARD = "POST_OFFICE_PAYMENT_CARD"
    EZYPAY = "EZYPAY"
    GO_CARDLESS = "GO_CARDLESS"
    GC_INSTANT_BANK_PAYMENTS = "GC_INSTANT_BANK_PAYMENTS"
    STRIPE = "STRIPE"
    STRIPE_CARD = "STRIPE_CARD"
    STRIPE_DD = "STRIPE_DD"
    FINASTRA = "FINASTRA"
    FAST_PAY = "FAST_PAY"
    OTHER = "OTHER"


class JournalKind(str, enum.Enum):
    INVOICE_POSTED = "INVOICE_POSTED"
    INVOICE_CANCELLED = "INVOICE_CANCELLED"
    PAYMENT_POSTED = "PAYMENT_POSTED"
    PAYMENT_CANCELLED = "PAYMENT_CANCELLED"
    ALLOCATION = "ALLOCATION"
    ALLOCATION_REVERSED = "ALLOCATION_REVERSED"
    SHORTFALL_WRITE_OFF = "SHORTFALL_WRITE_OFF"
    BALANCE_ADJUSTMENT = "BALANCE_ADJUSTMENT"
    REFUND = "REFUND"
    # A provider's refund bounced (or its funds came back): what the refund took back is restored.
    REFUND_REVERSED = "REFUND_REVERSED"
    WRITE_OFF = "WRITE_OFF"
    WRITE_OFF_REVERSED = "WRITE_OFF_REVERSED"
    # Customer credit spent on an invoice by a payment (a creditDistribution credit), and its undoing.
    CREDIT_DISTRIBUTED = "CREDIT_DISTRIBUTED"
    CREDIT_RETURNED = "CREDIT_RETURNED"
    # A gift certificate redeemed by a payment brings its money in; cancelling the payment takes it out.
    GIFT_REDEEMED = "GIFT_REDEEMED"
    GIFT_RESTORED = "GIFT_RESTORED"


class TransactionClassification(str, enum.Enum):
    """What a financial transaction type classifies (seed 004)."""

    INVOICE = "INVOICE"
    INVOICE_CANCELLATION = "INVOICE_CANCELLATION"
    CREDIT_NOTE = "CREDIT_NOTE"
    PAYMENT = "PAYMENT"
    PAYMENT_CANCELLATION = "PAYMENT_CANCELLATION"
    REFUND = "REFUND"
    WRITE_OFF = "WRITE_OFF"


class ThirdPartyPaymentStatus(str, enum.Enum):
    """Elevate's ThirdPartyPaymentStatus (vendor notes); MANUALLY_PAID marks money taken outside a provider."""

    NEW = "NEW"
    CREATED = "CREATED"
    PENDING_CUSTOMER_APPROVAL = "PENDING_CUSTOMER_APPROVAL"
    PENDING_SUBMISSION = "PENDING_SUBMISSION"
    SUBMITTED = "SUBMITTED"
    CONFIRMED = "CONFIRMED"
    PAID_OUT = "PAID_OUT"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    FAILED_RETRYING = "FAILED_RETRYING"
    CHARGED_BACK = "CHARGED_BACK"
    CUSTOMER_APPROVAL_GRANTED = "CUSTOMER_APPROVAL_GRANTED"
    CUSTOMER_APPROVAL_DENIED = "CUSTOMER_APPROVAL_DENIED"
    CHARGEBACK_CANCELLED = "CHARGEBACK_CANCELLED"
    LATE_FAILURE_SETTLED = "LATE_FAILURE_SETTLED"
    CHARGEBACK_SETTLED = "CHARGEBACK_SETTLED"
    SURCHARGE_FEE_DEBITED = "SURCHARGE_FEE_DEBITED"
    RESUBMISSION_REQUESTED = "RESUBMISSION_REQUESTED"
    UNSUPPORTED_PAYMENT_TYPE = "UNSUPPORTED_PAYMENT_TYPE"
    UNAUTHORISED_PAYMENT_TYPE = "UNAUTHORISED_PAYMENT_TYPE"
    CUSTOMER_APPROVAL_MISSING = "CUSTOMER_APPROVAL_MISSING"
    SURCHARGE_FEE_CREDITED = "SURCHARGE_FEE_CREDITED"
    MANUALLY_PAID = "MANUALLY_PAID"
    UNSENT = "UNSENT"
    REFUNDED = "REFUNDED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUND_PENDING = "REFUND_PENDING"


class ThirdPartyRefundStatus(str, enum.Enum):
    """Elevate's thirdPartyRefundStatus (vendor notes); MANUALLY_REFUNDED marks money returned outside a provider."""

    CREATED = "CREATED"
    PENDING_SUBMISSION = "PENDING_SUBMISSION"
    SUBMITTED = "SUBMITTED"
    PAID = "PAID"
    CANCELLED = "CANCELLED"
    BOUNCED = "BOUNCED"
    FUNDS_RETURNED = "FUNDS_RETURNED"
    MANUALLY_REFUNDED = "MANUALLY_REFUNDED"
    REFUND_SETTLED = "REFUND_SETTLED"


class CreditType(str, enum.Enum):
    """Seed 002's creditType."""

    CREDIT_DISTRIBUTION = "creditDistribution"
    DISBURSEMENT = "disbursement"
    PAYMENT = "payment"
    SUBPAYMENT = "subpayment"
    SHORTFALL_WRITE_OFF = "shortfallWriteOff"
    WRITE_OFF = "writeOff"


class CreditState(str, enum.Enum):
    """Seed 002's creditState. Ledgerline writes posted, distributed and reversed."""

    DISCARDED = "discarded"
    DRAFT = "draft"
    POSTED = "posted"
    REVERSED = "reversed"
    VALIDATED = "validated"
    EXECUTED = "executed"
    DISTRIBUTED = "distributed"
    APPROVED = "approved"
    REJECTED = "rejected"
    REQUESTED = "requested"
    EXECUTING = "executing"
    FAILED = "failed"
    CANCELLED = "cancelled"


# --- admin entities (seed 001 names them; their values are Ledgerline's choice, see README) ---

class PageSize(str, enum.Enum):
    A4 = "A4"
    LETTER = "LETTER"


class SummaryGrouping(str, enum.Enum):
    """How an invoice summary groups the invoices it summarises."""

    SITE = "SITE"
    PRODUCT = "PRODUCT"
    CHARGE_TYPE = "CHARGE_TYPE"


class SummaryComponentType(str, enum.Enum):
    HEADER = "HEADER"
    ACCOUNT_SUMMARY = "ACCOUNT_SUMMARY"
    CHARGES_TABLE = "CHARGES_TABLE"
    USAGE_TABLE = "USAGE_TABLE"
    PAYMENTS_TABLE = "PAYMENTS_TABLE"
    TAX_SUMMARY = "TAX_SUMMARY"
    TEXT = "TEXT"
    FOOTER = "FOOTER"


class ElectronicFileFormat(str, enum.Enum):
    CSV = "CSV"
    XLSX = "XLSX"
    XML = "XML"
    JSON = "JSON"


class MarketingContentType(str, enum.Enum):
    """Seed 001: marketing information "might be blank, text, images or rich text"."""

    BLANK = "BLANK"
    TEXT = "TEXT"
    RICH_TEXT = "RICH_TEXT"
    IMAGE = "IMAGE"


class CustomFieldEntityLevel(str, enum.Enum):
    """The Ledgerline entities a custom field can be defined on."""

    CUSTOMER = "CUSTOMER"
    SITE = "SITE"
    INVOICE = "INVOICE"
    PAYMENT = "PAYMENT"


class WebhookEndpointStatus(str, enum.Enum):
    """ENABLED endpoints receive events; the worker DISABLES one after persistent failure (or a client does)."""

    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


class WebhookDeliveryStatus(str, enum.Enum):
    """PENDING until the receiver answers 2xx (DELIVERED) or the retries run out (FAILED)."""

    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


class WebhookAttemptOutcome(str, enum.Enum):
    DELIVERED = "DELIVERED"      # 2xx
    REFUSED = "REFUSED"          # the receiver answered, not 2xx
    UNREACHABLE = "UNREACHABLE"  # no answer: connection refused, timeout, TLS, DNS
