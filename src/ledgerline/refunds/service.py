"""Refunds return collected money (DESIGN "Refunds").

A refund against an invoice takes back money that live payment allocations put on it, the
newest payment's first, and reopens the invoice by that much (payment status REFUNDED or
PART_REFUNDED). A refund against the customer takes back unallocated payment money, the
customer's credit, newest payment first. Never more than was collected and not yet
refunded: 422 naming the limit. A payment whose money was refunded can no longer be
cancelled. Like every money change it holds the customer row first and is journaled.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy.orm import Session

from ledgerline.errors import InvalidRequest, not_found
from ledgerline.invoices.service import change_outstanding
from ledgerline.kit.money import Money
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.repository import get_scoped, next_number
from ledgerline.ledger.service import record
from ledgerline.models import Customer, Invoice, Payment, Refund
from ledgerline.models.enums import (
    BillRunType, JournalKind, PaymentMethod, ThirdPartyPaymentStatus, ThirdPartyRefundStatus,
)
from ledgerline.refunds import repository
from ledgerline.reference import service as reference

Source = TypeVar("Source")


def draw(amount_minor: int, sources: Sequence[tuple[Source, int]]) -> list[tuple[Source, int]]:
    """Take ``amount_minor`` from the sources in the order given, each up to what it has available.

    Pure. The caller has checked that the sources hold enough."""
    taken: list[tuple[Source, int]] = []
    remaining = amount_minor
    for source, available in sources:
        if remaining == 0:
            break
        take = min(remaining, available)
        if take > 0:
            taken.append((source, take))
            remaining -= take
    if remaining:
        raise ValueError(f"the sources hold {amount_minor - remaining}, not {amount_minor}")
    return taken


def get_refund(session: Session, *, tenant_id: uuid.UUID, refund_id: int) -> Refund:
    refund = get_scoped(session, Refund, tenant_id, refund_id)
    if refund is None:
        raise not_found("Refund", refund_id)
    return refund


def _provider_collected(payment: Payment) -> bool:
    return payment.third_party_status not in (None, ThirdPartyPaymentStatus.MANUALLY_PAID.value)


def _check_within(amount_minor: int, refundable_minor: int, currency: str, what: str) -> None:
    if amount_minor > refundable_minor:
        limit = Money(refundable_minor, currency).amount
        raise InvalidRequest.for_field("amountInMajorCurrency",
                                       f"must not exceed {limit}, the amount {what} collected and not yet refunded")


def _refunded(session: Session, tenant_id: uuid.UUID, invoice_id: int | None,
              customer_id: int | None) -> tuple[Invoice | None, int]:
    """What is refunded: the invoice (when named) and the customer, checked (422 naming the field)."""
    if invoice_id is None:
        if customer_id is None:
            raise InvalidRequest.for_field("invoiceId", "give the invoiceId or the customerId to refund")
        return None, customer_id
    invoice = get_scoped(session, Invoice, tenant_id, invoice_id)
    if invoice is None:
        raise InvalidRequest.for_field("invoiceId", f"invoice {invoice_id} does not exist")
    if customer_id is not None and customer_id != invoice.customer_id:
        raise InvalidRequest.for_field("customerId", f"invoice {invoice_id} is not an invoice of customer "
                                                     f"{customer_id}")
    return invoice, invoice.customer_id


def currency_of_refund(session: Session, *, tenant_id: uuid.UUID, invoice_id: int | None,
                       customer_id: int | None) -> str:
    """The currency the amount is read in: the invoice's, else the customer's (422 naming the unknown id)."""
    invoice, customer_id = _refunded(session, tenant_id, invoice_id, customer_id)
    if invoice is not None:
        return invoice.currency
    customer = get_scoped(session, Customer, tenant_id, customer_id)
    if customer is None:
        raise InvalidRequest.for_field("customerId", f"customer {customer_id} does not exist")
    return customer.currency


def create_refund(session: Session, *, tenant_id: uuid.UUID, amount_minor: int, invoice_id: int | None = None,
                  customer_id: int | None = None, bill_run_type: BillRunType | None = None,
                  payment_method: PaymentMethod | None = None, description: str | None = None,
                  created_by: str | None = None) -> Refund:
    if amount_minor <= 0:
        raise InvalidRequest.for_field("amountInMajorCurrency", "must be greater than zero")
    invoice, customer_id = _refunded(session, tenant_id, invoice_id, customer_id)
    if invoice is not None:
        if bill_run_type is not None and bill_run_type is not invoice.bill_run_type:
            raise InvalidRequest.for_field("billRunType", f"invoice {invoice_id} is a {invoice.bill_run_type.value} "
                                                          f"invoice, not {bill_run_type.value}")
        bill_run_type = invoice.bill_run_type
    customer = get_scoped(session, Customer, tenant_id, customer_id, for_update=True)
    if customer is None:
        raise InvalidRequest.for_field("customerId", f"customer {customer_id} does not exist")
    refund = Refund(tenant_id=tenant_id, number=next_number(session, tenant_id, "refund", "RFD", gapless=False),
                    customer_id=customer.id, invoice_id=invoice_id, bill_run_type=bill_run_type,
                    currency=customer.currency, amount_minor=amount_minor, description=description,
                    created_by=created_by,
                    # No payment provider refunds yet: the money goes back outside Ledgerline.
                    third_party_refund_status=ThirdPartyRefundStatus.MANUALLY_REFUNDED)
    if invoice_id is not None:
        auto_collected = _refund_invoice(session, customer, invoice_id, refund)
    else:
        auto_collected = _refund_credit(session, customer, refund)
    refund.payment_method = _method(session, customer, payment_method, auto_collected)
    session.add(refund)
    session.flush()
    record(session, tenant_id=tenant_id, customer_id=customer.id, currency=refund.currency, kind=JournalKind.REFUND,
           balance=-amount_minor, credit=0 if invoice_id is not None else -amount_minor,
           outstanding=amount_minor if invoice_id is not None else 0, invoice_id=invoice_id, refund_id=refund.id)
    session.flush()
    return refund


def _refund_invoice(session: Session, customer: Customer, invoice_id: int, refund: Refund) -> bool:
    """Takes the refund from the invoice's allocations; True when a provider collected any of them."""
    tenant_id = customer.tenant_id
    invoice = get_scoped(session, Invoice, tenant_id, invoice_id, for_update=True)  # after the customer, as always
    assert invoice is not None
    sources = repository.refundable_allocations(session, tenant_id, invoice_id)
    _check_within(refund.amount_minor, sum(a.amount_minor - a.refunded_minor for a, _ in sources), refund.currency,
                  f"invoice {invoice_id}")
    taken = draw(refund.amount_minor, [((a, p), a.amount_minor - a.refunded_minor) for a, p in sources])
    for (allocation, payment), amount in taken:
        allocation.refunded_minor += amount
        payment.refunded_minor += amount
    invoice.refunded_minor += refund.amount_minor
    change_outstanding(invoice, refund.amount_minor)
    return any(_provider_collected(payment) for (_, payment), _ in taken)


def _refund_credit(session: Session, customer: Customer, refund: Refund) -> bool:
    """Takes the refund from the customer's unallocated payment money; True when a provider collected any."""
    payments = repository.payments_with_credit(session, customer.tenant_id, customer.id)
    # Credit also shrinks when adjustments use it, so both bounds apply.
    refundable = min(customer.credit_minor, sum(payment.unallocated_minor for payment in payments))
    _check_within(refund.amount_minor, refundable, refund.currency, f"of customer {customer.id}'s credit")
    taken = draw(refund.amount_minor, [(payment, payment.unallocated_minor) for payment in payments])
    for payment, amount in taken:
        payment.unallocated_minor -= amount
        payment.refunded_minor += amount
    customer.credit_minor -= refund.amount_minor
    return any(_provider_collected(payment) for payment, _ in taken)


def _method(session: Session, customer: Customer, requested: PaymentMethod | None,
            auto_collected: bool) -> PaymentMethod:
    """Elevate: a blank method, or money a provider collected, goes back by the customer's last successful
    payment's method."""
    if requested is None or auto_collected:
        last = repository.last_successful_payment(session, customer.tenant_id, customer.id)
        if last is not None:
            return last.payment_method
        if requested is None:
            raise InvalidRequest.for_field("paymentMethod", f"customer {customer.id} has no successful payment "
                                                            "to take the method from; name one")
    reference.check_method_enabled(session, tenant_id=customer.tenant_id, method=requested, field="paymentMethod")
    return requested


def list_refunds(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.REFUNDS.page(session, tenant_id, criteria)


def count_refunds(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.REFUNDS.count(session, tenant_id, criteria)
