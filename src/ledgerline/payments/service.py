"""Payment use cases: create, post (allocating), reject, cancel, pay an invoice or a bill.

Every function that moves money locks the customer row first, then the invoices it
touches, and appends to the journal in the same transaction (DESIGN "Payments",
"Allocation", "Balances"). Transitions other than the documented ones are 409.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ledgerline.credits import service as credits
from ledgerline.errors import Conflict, InvalidRequest, not_found
from ledgerline.invoices.service import change_outstanding
from ledgerline.kit.listing import Listing, ListQuery, Page, single_id
from ledgerline.kit.money import Money
from ledgerline.kit.repository import get_scoped, next_number
from ledgerline.ledger.repository import balance_of
from ledgerline.ledger.service import record
from ledgerline.models import Bill, Customer, Invoice, Payment, PaymentAllocation, PaymentCancellation
from ledgerline.models.base import utcnow
from ledgerline.models.enums import (
    BillRunType, InvoiceStatus, JournalKind, PaymentMethod, PaymentStatus, ThirdPartyPaymentStatus,
    TransactionClassification,
)
from ledgerline.payments import repository
from ledgerline.payments.allocation import OpenInvoice, allocate
from ledgerline.reference import service as reference

# DESIGN "Payments": the only transitions there are.
_TRANSITIONS: dict[str, frozenset[PaymentStatus]] = {
    "post": frozenset({PaymentStatus.DRAFT, PaymentStatus.PENDING_VERIFICATION}),
    "reject": frozenset({PaymentStatus.DRAFT, PaymentStatus.PENDING_VERIFICATION}),
    "cancel": frozenset({PaymentStatus.POSTED, PaymentStatus.PENDING_VERIFICATION}),
}

_PAST = {"post": "posted", "reject": "rejected", "cancel": "cancelled"}


def check_transition(payment_id: int, status: PaymentStatus, action: str) -> None:
    allowed = _TRANSITIONS[action]
    if status not in allowed:
        names = " or ".join(sorted(state.value for state in allowed))
        raise Conflict(f"payment {payment_id} is {status.value}; only a {names} payment can be {_PAST[action]}")


def get_payment(session: Session, *, tenant_id: uuid.UUID, payment_id: int) -> Payment:
    payment = get_scoped(session, Payment, tenant_id, payment_id)
    if payment is None:
        raise not_found("Payment", payment_id)
    return payment


def _customer_for_payment(session: Session, tenant_id: uuid.UUID, customer_id: int) -> Customer:
    customer = get_scoped(session, Customer, tenant_id, customer_id, for_update=True)
    if customer is None:
        raise InvalidRequest.for_field("customerId", f"customer {customer_id} does not exist")
    return customer


def _check_targets(session: Session, tenant_id: uuid.UUID, customer_id: int, invoice_ids: Sequence[int],
                   bill_ids: Sequence[int]) -> None:
    for position, invoice_id in enumerate(invoice_ids):
        invoice = get_scoped(session, Invoice, tenant_id, invoice_id)
        if invoice is None or invoice.customer_id != customer_id:
            raise InvalidRequest.for_field(f"invoicesToPay[{position}]",
                                           f"invoice {invoice_id} is not an invoice of customer {customer_id}")
    for position, bill_id in enumerate(bill_ids):
        bill = get_scoped(session, Bill, tenant_id, bill_id)
        if bill is None or bill.customer_id != customer_id:
            raise InvalidRequest.for_field(f"billsToPay[{position}]",
                                           f"bill {bill_id} is not a bill of customer {customer_id}")


def create_payment(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    customer_id: int,
    amount_minor: int,
    payment_method: PaymentMethod,
    status: PaymentStatus = PaymentStatus.DRAFT,
    invoices_to_pay: Sequence[int] = (),
    bills_to_pay: Sequence[int] = (),
    received_on: dt.date | None = None,
    tolerance_minor: int = 0,
    created_by: str | None = None,
    tenders: list[dict[str, Any]] | None = None,
    type_id: int | None = None,
    category_id: int | None = None,
    **details: Any,
) -> Payment:
    """A DRAFT payment, or a POSTED one allocated at once. Without a type it takes the tenant's
    default PAYMENT type."""
    if status not in (PaymentStatus.DRAFT, PaymentStatus.POSTED):
        raise InvalidRequest.for_field("status", "a payment is created DRAFT or POSTED")
    if amount_minor <= 0:
        raise InvalidRequest.for_field("amountInMajorCurrency", "must be greater than zero")
    customer = _customer_for_payment(session, tenant_id, customer_id)
    _check_targets(session, tenant_id, customer_id, invoices_to_pay, bills_to_pay)
    type_id = reference.transaction_type(session, tenant_id=tenant_id, type_id=type_id,
                                         classification=TransactionClassification.PAYMENT).id
    reference.category(session, tenant_id=tenant_id, category_id=category_id)
    tenders = tenders or [{"method": payment_method.value, "processor": None, "reference": None,
                           "amountMinor": amount_minor}]
    _check_methods(session, tenant_id, payment_method, tenders)
    _check_back_office_code(session, tenant_id, type_id, details.get("back_office_code"))
    if sum(int(tender["amountMinor"]) for tender in tenders) != amount_minor:
        raise InvalidRequest.for_field("tenders", "tender amounts must add up to the payment amount")
    today = utcnow().date()
    payment = Payment(
        tenant_id=tenant_id, number=next_number(session, tenant_id, "payment", "PAY", gapless=False),
        customer_id=customer_id, currency=customer.currency, amount_minor=amount_minor, unallocated_minor=0,
        status=PaymentStatus.DRAFT, payment_method=payment_method, type_id=type_id, category_id=category_id,
        tenders=tenders, invoices_to_pay=list(invoices_to_pay), bills_to_pay=list(bills_to_pay),
        received_on=received_on or today, issued_on=today,
        created_by=created_by, updated_by=created_by, **details,
    )
    session.add(payment)
    session.flush()
    if status is PaymentStatus.POSTED:
        _post(session, customer, payment, tolerance_minor)
    return payment


def _check_methods(session: Session, tenant_id: uuid.UUID, payment_method: PaymentMethod,
                   tenders: Sequence[Mapping[str, Any]]) -> None:
    """Each distinct method is looked up once (the default tender repeats the payment's method)."""
    checked = {payment_method}
    reference.check_method_enabled(session, tenant_id=tenant_id, method=payment_method, field="paymentMethod")
    for position, tender in enumerate(tenders):
        method = PaymentMethod(tender["method"])
        if method not in checked:
            checked.add(method)
            reference.check_method_enabled(session, tenant_id=tenant_id, method=method,
                                           field=f"tenders[{position}].method")


def _check_back_office_code(session: Session, tenant_id: uuid.UUID, type_id: int, code: str | None,
                            own_id: int | None = None) -> None:
    if code and repository.back_office_code_taken(session, tenant_id, type_id, code, own_id):
        raise Conflict(f"back office code {code!r} is used by another payment of the same type")


def _lock(session: Session, tenant_id: uuid.UUID, payment_id: int) -> tuple[Customer, Payment]:
    """Customer first, then the payment: the one lock order every money change follows."""
    customer_id = repository.customer_id_of_payment(session, tenant_id, payment_id)
    if customer_id is None:
        raise not_found("Payment", payment_id)
    customer = get_scoped(session, Customer, tenant_id, customer_id, for_update=True)
    payment = get_scoped(session, Payment, tenant_id, payment_id, for_update=True)
    if customer is None or payment is None:
        raise not_found("Payment", payment_id)
    return customer, payment


def post_payment(session: Session, *, tenant_id: uuid.UUID, payment_id: int, tolerance_minor: int = 0,
                 posted_by: str | None = None) -> Payment:
    customer, payment = _lock(session, tenant_id, payment_id)
    check_transition(payment.id, payment.status, "post")
    payment.updated_by = posted_by
    _post(session, customer, payment, tolerance_minor)
    return payment


def _open(invoice: Invoice) -> OpenInvoice:
    return OpenInvoice(invoice.id, invoice.issue_date, Money(invoice.outstanding_minor, invoice.currency))


def _post(session: Session, customer: Customer, payment: Payment, tolerance_minor: int) -> None:
    tenant_id = payment.tenant_id
    intended_ids = list(dict.fromkeys(
        [*payment.invoices_to_pay, *repository.invoice_ids_of_bills(session, tenant_id, payment.bills_to_pay)]))
    # Lock every open invoice of the customer, then plan. They are locked oldest first, not in id
    # order; that is safe because whoever locks a customer's invoices holds the customer row first.
    open_invoices = repository.open_invoices_oldest_first(session, tenant_id, customer.id)
    by_id = {invoice.id: invoice for invoice in open_invoices}
    plan = allocate(
        Money(payment.amount_minor, payment.currency),
        intended=[_open(by_id[invoice_id]) for invoice_id in intended_ids if invoice_id in by_id],
        others=[_open(invoice) for invoice in open_invoices],
        tolerance=Money(tolerance_minor, payment.currency),
    )
    now = utcnow()
    payment.status = PaymentStatus.POSTED
    payment.posted_on = now.date()
    payment.unallocated_minor = plan.credit.minor
    record(session, tenant_id=tenant_id, customer_id=customer.id, currency=payment.currency,
           kind=JournalKind.PAYMENT_POSTED, balance=payment.amount_minor, credit=payment.amount_minor,
           payment_id=payment.id)
    for allocation in plan.allocations:
        invoice = by_id[allocation.invoice_id]
        change_outstanding(invoice, -allocation.amount.minor)
        session.add(PaymentAllocation(tenant_id=tenant_id, payment_id=payment.id, invoice_id=invoice.id,
                                      amount_minor=allocation.amount.minor, created_at=now))
        record(session, tenant_id=tenant_id, customer_id=customer.id, currency=payment.currency,
               kind=JournalKind.ALLOCATION, credit=-allocation.amount.minor, outstanding=-allocation.amount.minor,
               invoice_id=invoice.id, payment_id=payment.id)
    for write_off in plan.shortfall_write_offs:
        invoice = by_id[write_off.invoice_id]
        change_outstanding(invoice, -write_off.amount.minor)
        record(session, tenant_id=tenant_id, customer_id=customer.id, currency=payment.currency,
               kind=JournalKind.SHORTFALL_WRITE_OFF, balance=write_off.amount.minor,
               outstanding=-write_off.amount.minor, invoice_id=invoice.id, payment_id=payment.id)
    credits.record_payment_credits(session, payment=payment, allocations=plan.allocations,
                                   shortfalls=plan.shortfall_write_offs, now=now)
    customer.credit_minor += plan.credit.minor
    session.flush()


def reject_payment(session: Session, *, tenant_id: uuid.UUID, payment_id: int, reason: str | None = None,
                   reason_id: int | None = None, rejected_by: str | None = None) -> Payment:
    """DRAFT or PENDING_VERIFICATION -> REJECTED, with a rejection reason entry, free text, or both."""
    if reason is None and reason_id is None:
        raise InvalidRequest.for_field("rejectionReasonId", "give a rejection reason id, a reason text or both")
    _, payment = _lock(session, tenant_id, payment_id)
    check_transition(payment.id, payment.status, "reject")
    if reason_id is not None:
        entry = reference.rejection_reason(session, tenant_id=tenant_id, reason_id=reason_id)
        reason = reason or entry.name
    payment.status = PaymentStatus.REJECTED
    payment.rejection_reason = reason
    payment.rejection_reason_id = reason_id
    payment.updated_by = rejected_by
    session.flush()
    return payment


def cancel_payment(session: Session, *, tenant_id: uuid.UUID, payment_id: int, notes: str | None = None,
                   issue_reason: str | None = None, type_id: int | None = None, category_id: int | None = None,
                   cancelled_by: str | None = None) -> tuple[Payment, PaymentCancellation | None]:
    """POSTED -> CANCELLED: allocations and shortfall write-offs are reversed, invoices reopen,
    and a posted Payment Cancellation records it (of the tenant's default PAYMENT_CANCELLATION type
    and the payment's category unless others are named). A collection still pending is simply cancelled."""
    customer, payment = _lock(session, tenant_id, payment_id)
    check_transition(payment.id, payment.status, "cancel")
    cancellation_type = reference.transaction_type(
        session, tenant_id=tenant_id, type_id=type_id, classification=TransactionClassification.PAYMENT_CANCELLATION)
    cancellation_category = reference.category(session, tenant_id=tenant_id, category_id=category_id)
    payment.updated_by = cancelled_by
    if payment.status is PaymentStatus.PENDING_VERIFICATION:
        payment.status = PaymentStatus.CANCELLED
        session.flush()
        return payment, None
    if payment.refunded_minor:
        raise Conflict(f"payment {payment.id} has been refunded in part or whole; it cannot be cancelled")
    if customer.credit_minor < payment.unallocated_minor:
        raise Conflict(f"payment {payment.id}'s credit has been used; it cannot be cancelled")
    now = utcnow()
    allocations = repository.active_allocations(session, tenant_id, payment.id)
    write_offs = credits.shortfall_credits_of_payment(session, payment)
    invoices = repository.invoices_for_update(
        session, tenant_id, sorted({a.invoice_id for a in allocations}
                                   | {t.invoice_id for _, targets in write_offs for t in targets}))
    for allocation in allocations:
        change_outstanding(invoices[allocation.invoice_id], allocation.amount_minor)
        allocation.reversed_at = now
        record(session, tenant_id=tenant_id, customer_id=customer.id, currency=payment.currency,
               kind=JournalKind.ALLOCATION_REVERSED, credit=allocation.amount_minor,
               outstanding=allocation.amount_minor, invoice_id=allocation.invoice_id, payment_id=payment.id)
    reason = issue_reason or "payment cancelled"
    for credit, targets in write_offs:
        for target in targets:
            change_outstanding(invoices[target.invoice_id], target.amount_minor)
            record(session, tenant_id=tenant_id, customer_id=customer.id, currency=payment.currency,
                   kind=JournalKind.SHORTFALL_WRITE_OFF, balance=-target.amount_minor, outstanding=target.amount_minor,
                   invoice_id=target.invoice_id, payment_id=payment.id, credit_id=credit.id)
        credits.mark_reversed(credit, reason, now)
    credits.reverse_payment_credits(session, payment=payment, reason=reason)
    record(session, tenant_id=tenant_id, customer_id=customer.id, currency=payment.currency,
           kind=JournalKind.PAYMENT_CANCELLED, balance=-payment.amount_minor, credit=-payment.amount_minor,
           payment_id=payment.id)
    customer.credit_minor -= payment.unallocated_minor
    payment.unallocated_minor = 0
    payment.status = PaymentStatus.CANCELLED
    cancellation = PaymentCancellation(
        tenant_id=tenant_id, number=next_number(session, tenant_id, "payment_cancellation", "PCN", gapless=False),
        payment_id=payment.id, type_id=cancellation_type.id,
        category_id=cancellation_category.id if cancellation_category else payment.category_id,
        amount_minor=payment.amount_minor, currency=payment.currency, posted_on=now.date(), notes=notes, issue_reason=issue_reason, created_by=cancelled_by, created_at=now)
    session.add(cancellation)
    session.flush()
    return payment, cancellation


def pay_invoice(session: Session, *, tenant_id: uuid.UUID, invoice_id: int, payment_method: PaymentMethod,
                created_by: str | None = None, **details: Any) -> Payment:
    """A posted payment for exactly what the invoice still owes (409 when nothing is owed)."""
    invoice = get_scoped(session, Invoice, tenant_id, invoice_id)
    if invoice is None:
        raise not_found("Invoice", invoice_id)
    customer = _customer_for_payment(session, tenant_id, invoice.customer_id)
    invoice = repository.invoices_for_update(session, tenant_id, [invoice_id])[invoice_id]
    if invoice.customer_id != customer.id:  # a draft moved to another customer (and was posted) meanwhile
        raise Conflict(f"invoice {invoice_id} was modified concurrently; retry")
    if invoice.status is not InvoiceStatus.POSTED or invoice.outstanding_minor == 0:
        raise Conflict(f"invoice {invoice_id} is {invoice.status.value} with nothing outstanding; nothing to pay")
    return create_payment(session, tenant_id=tenant_id, customer_id=invoice.customer_id,
                          amount_minor=invoice.outstanding_minor, payment_method=payment_method,
                          status=PaymentStatus.POSTED, invoices_to_pay=[invoice_id], created_by=created_by,
                          **details)


def pay_bill(session: Session, *, tenant_id: uuid.UUID, bill_id: int, payment_method: PaymentMethod,
             check_digits: str | None = None, created_by: str | None = None, **details: Any) -> Payment:
    """A posted payment for exactly what the bill's invoices still owe; check digits must match."""
    bill = get_scoped(session, Bill, tenant_id, bill_id)
    if bill is None:
        raise not_found("Bill", bill_id)
    if bill.check_digits is not None and check_digits != bill.check_digits:
        raise InvalidRequest.for_field("checkDigits", "do not match the bill's check digits")
    _customer_for_payment(session, tenant_id, bill.customer_id)
    invoice_ids = repository.invoice_ids_of_bills(session, tenant_id, [bill_id])
    owed = sum(invoice.outstanding_minor
               for invoice in repository.invoices_for_update(session, tenant_id, invoice_ids).values())
    if owed == 0:
        raise Conflict(f"bill {bill_id} has nothing outstanding; nothing to pay")
    return create_payment(session, tenant_id=tenant_id, customer_id=bill.customer_id, amount_minor=owed,
                          payment_method=payment_method, status=PaymentStatus.POSTED, bills_to_pay=[bill_id],
                          created_by=created_by, **details)


@dataclass(frozen=True)
class PaymentView:
    """A payment with what a client sees beside it: its live allocations and its cancellation."""

    payment: Payment
    allocations: list[PaymentAllocation]
    cancellation: PaymentCancellation | None


def views(session: Session, *, tenant_id: uuid.UUID, payments: Sequence[Payment]) -> list[PaymentView]:
    ids = [payment.id for payment in payments]
    allocations = repository.allocations_by_payment(session, tenant_id, ids)
    cancellations = repository.cancellations_by_payment(session, tenant_id, ids)
    return [PaymentView(payment, allocations[payment.id], cancellations.get(payment.id)) for payment in payments]


def list_payments(session: Session, *, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    page = repository.page_of_payments(session, tenant_id, query)
    page.items = views(session, tenant_id=tenant_id, payments=page.items)
    return page


def count_payments(session: Session, *, tenant_id: uuid.UUID, query: ListQuery) -> int:
    return repository.count_payments(session, tenant_id, query)


def currency_of_customer(session: Session, *, tenant_id: uuid.UUID, customer_id: int) -> str:
    customer = get_scoped(session, Customer, tenant_id, customer_id)
    if customer is None:
        raise InvalidRequest.for_field("customerId", f"customer {customer_id} does not exist")
    return customer.currency


@dataclass(frozen=True)
class CustomerPaymentView:
    """A payment as Elevate's customer-payments resource shows it."""

    payment: Payment
    resulting_balance_minor: int | None
    invoice: tuple[int, str] | None


def customer_payment_views(session: Session, *, tenant_id: uuid.UUID, customer_id: int,
                           payments: Sequence[Payment]) -> list[CustomerPaymentView]:
    ids = [payment.id for payment in payments]
    balances = repository.balances_after_posting(session, tenant_id, customer_id, ids)
    invoices = repository.first_allocated_invoices(session, tenant_id, ids)
    return [CustomerPaymentView(payment, balances.get(payment.id), invoices.get(payment.id)) for payment in payments]


def posted_customer_payment_view(session: Session, *, tenant_id: uuid.UUID, payment: Payment) -> CustomerPaymentView:
    """A payment just posted in this transaction: the balance after it is the customer's balance now
    (no journal scan, whose cost grows with the customer's history)."""
    invoice = repository.first_allocated_invoices(session, tenant_id, [payment.id]).get(payment.id)
    return CustomerPaymentView(payment, balance_of(session, tenant_id, payment.customer_id), invoice)


def list_customer_payments(session: Session, *, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    customer_id = single_id(query, "customer_id")
    page = repository.page_of_customer_payments(session, tenant_id, query)
    page.items = customer_payment_views(session, tenant_id=tenant_id, customer_id=customer_id, payments=page.items)
    return page


def update_draft_payment(session: Session, *, tenant_id: uuid.UUID, payment_id: int, changes: dict[str, Any],
                         updated_by: str | None = None) -> Payment:
    """Seed 004: only a DRAFT payment can change; a posted one is cancelled instead."""
    _, payment = _lock(session, tenant_id, payment_id)
    if payment.status is not PaymentStatus.DRAFT:
        raise Conflict(f"payment {payment.id} is {payment.status.value}; only a DRAFT payment can be updated")
    changes = {name: value for name, value in changes.items() if getattr(payment, name) != value}
    if "amount_minor" in changes and changes["amount_minor"] <= 0:
        raise InvalidRequest.for_field("amountInMajorCurrency", "must be greater than zero")
    if {"invoices_to_pay", "bills_to_pay"} & set(changes):
        _check_targets(session, tenant_id, payment.customer_id, changes.get("invoices_to_pay", payment.invoices_to_pay),
                       changes.get("bills_to_pay", payment.bills_to_pay))
    if "type_id" in changes:
        reference.transaction_type(session, tenant_id=tenant_id, type_id=changes["type_id"],
                                   classification=TransactionClassification.PAYMENT)
    if "category_id" in changes:
        reference.category(session, tenant_id=tenant_id, category_id=changes["category_id"])
    if "payment_method" in changes:
        _check_methods(session, tenant_id, changes["payment_method"], [])
    if {"type_id", "back_office_code"} & set(changes):
        _check_back_office_code(session, tenant_id, changes.get("type_id", payment.type_id),
                                changes.get("back_office_code", payment.back_office_code), own_id=payment.id)
    for name, value in changes.items():
        setattr(payment, name, value)
    if {"amount_minor", "payment_method"} & set(changes):
        payment.tenders = [{"method": payment.payment_method.value, "processor": None, "reference": None,
                            "amountMinor": payment.amount_minor}]
    payment.updated_by = updated_by
    session.flush()
    return payment


# --- /v1/invoice-payments and /v1/adhoc-invoice-payments -------------------------------------



@dataclass(frozen=True)
class InvoicePaymentView:
    """One payment as applied to one invoice: the amount is its live allocation to that invoice."""

    payment: Payment
    invoice: Invoice
    amount_minor: int


def _invoice_payment_views(session: Session, tenant_id: uuid.UUID,
                           allocations: Sequence[PaymentAllocation]) -> list[InvoicePaymentView]:
    payments = repository.payments_by_id(session, tenant_id, [a.payment_id for a in allocations])
    invoices = repository.invoices_by_id(session, tenant_id, [a.invoice_id for a in allocations])
    return [InvoicePaymentView(payments[a.payment_id], invoices[a.invoice_id], a.amount_minor) for a in allocations]


def list_invoice_payments(session: Session, *, tenant_id: uuid.UUID, bill_run_type: BillRunType,
                          listing: Listing, query: ListQuery) -> Page:
    page = repository.page_of_invoice_allocations(session, tenant_id, bill_run_type, listing, query)
    page.items = _invoice_payment_views(session, tenant_id, page.items)
    return page


def count_invoice_payments(session: Session, *, tenant_id: uuid.UUID, bill_run_type: BillRunType,
                           listing: Listing, query: ListQuery) -> int:
    return repository.count_invoice_allocations(session, tenant_id, bill_run_type, listing, query)


def get_invoice_payment(session: Session, *, tenant_id: uuid.UUID, bill_run_type: BillRunType,
                        payment_id: int) -> InvoicePaymentView:
    """The payment as applied to its intended invoice of the type, else to the first such invoice it paid;
    404 when it has no live allocation to an invoice of the type."""
    allocations = repository.invoice_allocations_of_payment(session, tenant_id, bill_run_type, payment_id)
    if not allocations:
        raise not_found("Invoice payment", payment_id)
    views_ = _invoice_payment_views(session, tenant_id, allocations)
    intended = set(views_[0].payment.invoices_to_pay)
    return next((view for view in views_ if view.invoice.id in intended), views_[0])


def invoice_of_type(session: Session, *, tenant_id: uuid.UUID, invoice_id: int, bill_run_type: BillRunType,
                    field: str) -> Invoice:
    """The invoice a payment is for: it exists in the tenant and has the bill run type (422 naming the field)."""
    invoice = get_scoped(session, Invoice, tenant_id, invoice_id)
    if invoice is None:
        raise InvalidRequest.for_field(field, f"invoice {invoice_id} does not exist")
    if invoice.bill_run_type is not bill_run_type:
        raise InvalidRequest.for_field(
            field, f"invoice {invoice_id} is a {invoice.bill_run_type.value} invoice, not {bill_run_type.value}")
    return invoice


def create_invoice_payment(session: Session, *, tenant_id: uuid.UUID, invoice_id: int, bill_run_type: BillRunType,
                           field: str, amount_minor: int, payment_method: PaymentMethod,
                           third_party_status: ThirdPartyPaymentStatus, description: str | None,
                           tolerance_minor: int = 0, created_by: str | None = None) -> InvoicePaymentView:
    """A POSTED payment intended for the invoice: the invoice first, any remainder to the customer's other
    unpaid invoices oldest first, then credit. The invoice must be POSTED and still owe money (409)."""
    invoice = invoice_of_type(session, tenant_id=tenant_id, invoice_id=invoice_id, bill_run_type=bill_run_type,
                              field=field)
    # Customer first, then the invoice: the lock order every money change follows.
    customer = _customer_for_payment(session, tenant_id, invoice.customer_id)
    invoice = repository.invoices_for_update(session, tenant_id, [invoice_id])[invoice_id]
    if invoice.customer_id != customer.id:  # a draft moved to another customer (and was posted) meanwhile
        raise Conflict(f"invoice {invoice_id} was modified concurrently; retry")
    if invoice.status is not InvoiceStatus.POSTED or invoice.outstanding_minor == 0:
        raise Conflict(f"invoice {invoice_id} is {invoice.status.value} with nothing outstanding; nothing to pay")
    payment = create_payment(session, tenant_id=tenant_id, customer_id=invoice.customer_id,
                             amount_minor=amount_minor, payment_method=payment_method, status=PaymentStatus.POSTED,
                             invoices_to_pay=[invoice_id], tolerance_minor=tolerance_minor, created_by=created_by,
                             notes=description, third_party_status=third_party_status.value)
    allocation = repository.live_allocation(session, tenant_id, payment.id, invoice_id)
    assert allocation is not None, "an invoice that owes money takes the first part of a payment meant for it"
    return InvoicePaymentView(payment, invoice, allocation.amount_minor)
