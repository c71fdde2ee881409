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

from decimal import Decimal

from ledgerline.errors import Conflict, InvalidRequest, not_found
from ledgerline.invoices import repository as invoices_repository
from ledgerline.kit.ids import new_locator, new_uuid
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.money import Money, MoneyError, to_major
from ledgerline.kit.refs import BillRef, CustomerRef, InvoiceRef, PaymentRef
from ledgerline.kit.repository import get_scoped, next_number
from ledgerline.models import Payment, PaymentAllocation
from ledgerline.models.base import utcnow
from ledgerline.models.enums import BillRunType, InvoiceStatus, PaymentMethod, PaymentStatus, TransactionClassification
from ledgerline.payments import repository
from ledgerline.payments.lifecycle import check_transition
from ledgerline.payments.planning import CustomerSnapshot, InvoiceSnapshot, PostingPlan, plan_cancellation, plan_posting
from ledgerline.payments.values import (
    USER_FIELDS, AllocationLine, Cancellation, NewPayment, PaymentDetails, RecordedPayment,
)
from ledgerline.observability import metrics
from ledgerline.reference import service as reference
from ledgerline.tenants.context import TenantContext


def get_payment(session: Session, *, tenant_id: uuid.UUID, payment_id: int) -> Payment:
    payment = get_scoped(session, Payment, tenant_id, payment_id)
    if payment is None:
        raise not_found("Payment", payment_id)
    return payment


# --- recording money: locked snapshot, pure plan, one apply ------------------------------------------

def _amount(value: Decimal, currency: str, field: str) -> Money:
    try:
        money = Money.of(value, currency)
    except MoneyError as exc:
        raise InvalidRequest.for_field(field, str(exc)) from None
    if not money.is_positive:
        raise InvalidRequest.for_field(field, "must be greater than zero")
    return money


def _locked_customer(session: Session, tenant: TenantContext, ref: CustomerRef,
                     field: str = "customer") -> tuple[CustomerSnapshot, TenantContext]:
    """The customer locked, and the tenant's policy as of that moment (reloaded if another process changed it)."""
    customer = repository.lock_customer(session, tenant.tenant_id, ref)
    if customer is None:
        raise InvalidRequest.for_field(field, f"customer {ref} does not exist")
    return customer, tenant.at_version(session, customer.settings_version)


def _intended_invoice_ids(session: Session, tenant_id: uuid.UUID, customer_id: int, invoices: Sequence[InvoiceRef],
                          bills: Sequence[BillRef]) -> tuple[list[int], list[int]]:
    """The invoices the payment is meant for, in order: those named, then the posted ones of the bills named."""
    ids = []
    for position, invoice in enumerate(repository.invoices_named(session, tenant_id, invoices)):
        if invoice is None or invoice.customer_id != customer_id:
            raise InvalidRequest.for_field(f"intended_invoices[{position}]",
                                           f"invoice {invoices[position]} is not an invoice of "
                                           f"customer {customer_id}")
        ids.append(invoice.id)
    bill_ids = []
    for position, bill in enumerate(invoices_repository.bills_named(session, tenant_id, bills)):
        if bill is None or bill["customer_id"] != customer_id:
            raise InvalidRequest.for_field(f"intended_bills[{position}]",
                                           f"bill {bills[position]} is not a bill of customer {customer_id}")
        bill_ids.append(bill["id"])
    return ids, bill_ids


def _tenders(tenant: TenantContext, new: NewPayment, amount: Money) -> list[dict[str, Any]]:
    tenant.check_method(new.payment_method, field="payment_method")
    if new.tenders is None:
        return [{"method": new.payment_method.value, "processor": None, "reference": None, "amountMinor": amount.minor}]
    tenders, checked = [], {new.payment_method}
    for position, tender in enumerate(new.tenders):
        if tender.method not in checked:
            checked.add(tender.method)
            tenant.check_method(tender.method, field=f"tenders[{position}].method")
        minor = _amount(tender.amount, amount.currency, f"tenders[{position}].amount").minor
        tenders.append({"method": tender.method.value, "processor": tender.processor, "reference": tender.reference,
                        "amountMinor": minor})
    if sum(tender["amountMinor"] for tender in tenders) != amount.minor:
        raise InvalidRequest.for_field("tenders", "tender amounts must add up to the payment amount")
    return tenders


def _check_back_office_code(session: Session, tenant_id: uuid.UUID, type_id: int, code: str | None,
                            own_id: int | None = None) -> None:
    if code and repository.back_office_code_taken(session, tenant_id, type_id, code, own_id):
        raise Conflict(f"back office code {code!r} is used by another payment of the same type")


def _payment_row(tenant: TenantContext, customer: CustomerSnapshot, new: NewPayment, amount: Money,
                 tenders: list[dict[str, Any]], type_id: int, category_id: int | None, actor: str | None,
                 now: dt.datetime, number: str, invoice_ids: Sequence[int], bill_ids: Sequence[int]) -> dict[str, Any]:
    details = new.details
    row: dict[str, Any] = {
        "tenant_id": tenant.tenant_id, "locator": new_locator(), "uuid": new_uuid(), "version": 1,
        "created_at": now, "updated_at": now, "number": number, "customer_id": customer.id,
        "currency": amount.currency, "amount_minor": amount.minor, "unallocated_minor": 0, "refunded_minor": 0,
        "status": PaymentStatus.DRAFT, "payment_method": new.payment_method, "type_id": type_id,
        "category_id": category_id, "rejection_reason_id": None, "tenders": tenders,
        "reference_number": details.reference_number, "back_office_code": details.back_office_code,
        "received_on": details.received_on or now.date(), "issued_on": now.date(), "posted_on": None,
        "notes": details.notes, "rejection_reason": None, "received_by_user": details.received_by_user,
        "received_by_unit": details.received_by_unit, "invoices_to_pay": list(invoice_ids),
        "bills_to_pay": list(bill_ids), "custom_attributes": [dict(each) for each in details.custom_attributes],
        "third_party_status": details.third_party_status, "created_by": actor, "updated_by": actor,
    }
    unknown = set(details.user_fields) - set(USER_FIELDS)
    if unknown:
        raise InvalidRequest.for_field(sorted(unknown)[0], "is not a user-defined field")
    row.update({name: details.user_fields.get(name) for name in USER_FIELDS})
    return row


def _posted(payment: dict[str, Any], plan: PostingPlan, invoices: Sequence[InvoiceSnapshot],
            now: dt.datetime) -> RecordedPayment:
    numbers = {invoice.id: invoice.number for invoice in invoices}
    payment.update(status=PaymentStatus.POSTED, posted_on=now.date(), unallocated_minor=plan.credit.minor)
    allocations = tuple(AllocationLine(a.invoice_id, numbers[a.invoice_id], a.amount) for a in plan.allocations)
    return RecordedPayment(
        payment=payment, allocations=allocations,
        write_offs=tuple(AllocationLine(w.invoice_id, numbers[w.invoice_id], w.amount) for w in plan.write_offs),
        balance_after=plan.balance_after,
        first_invoice=(allocations[0].invoice_id, allocations[0].invoice_number) if allocations else None)


# Allocation time is observed around the pure rule (ledgerline_allocation_duration_seconds).
_timed_plan_posting = metrics.timed_allocation(plan_posting)


def _post(session: Session, tenant: TenantContext, customer: CustomerSnapshot, payment: dict[str, Any],
          intended: Sequence[int], *, is_new: bool, now: dt.datetime,
          bill_run_type: BillRunType | None = None) -> RecordedPayment:
    """Allocate the payment over the customer's open invoices (locked here, after the customer; only those of
    ``bill_run_type`` when one is named) and write it."""
    invoices = repository.lock_open_invoices(session, tenant.tenant_id, customer.id, bill_run_type=bill_run_type)
    plan = _timed_plan_posting(customer=customer, open_invoices=invoices, intended=intended,
                        amount=Money(payment["amount_minor"], payment["currency"]),
                        tolerance=tenant.tolerance(payment["currency"]))
    recorded = _posted(payment, plan, invoices, now)
    repository.apply_postings(session, [repository.Posting(tenant.tenant_id, customer.id, payment, plan, is_new)], now)
    metrics.payment_posted(session, payment["currency"])
    return recorded


def record_payment(session: Session, *, tenant: TenantContext, new: NewPayment,
                   actor: str | None = None) -> RecordedPayment:
    """A DRAFT payment, or a POSTED one allocated at once: its intended invoices and bills first, in the
    order given, then the customer's other open invoices oldest first; the rest is customer credit. An
    intended invoice left short by no more than the tenant's tolerance is settled by a shortfall write-off."""
    customer, tenant = _locked_customer(session, tenant, new.customer)
    return _record(session, tenant, customer, new, actor)


def _record(session: Session, tenant: TenantContext, customer: CustomerSnapshot, new: NewPayment,
            actor: str | None) -> RecordedPayment:
    amount = _amount(new.amount, customer.currency, "amount")
    invoice_ids, bill_ids = _intended_invoice_ids(session, tenant.tenant_id, customer.id, new.intended_invoices,
                                                  new.intended_bills)
    type_id = tenant.transaction_type(new.details.transaction_type, TransactionClassification.PAYMENT)
    category_id = tenant.category(new.details.category)
    tenders = _tenders(tenant, new, amount)
    _check_back_office_code(session, tenant.tenant_id, type_id, new.details.back_office_code)
    now = utcnow()
    number = next_number(session, tenant.tenant_id, "payment", "PAY", gapless=False)
    payment = _payment_row(tenant, customer, new, amount, tenders, type_id, category_id, actor, now, number,
                           invoice_ids, bill_ids)
    if not new.post:
        repository.insert_payment(session, payment)
        return RecordedPayment(payment=payment)
    intended = [*invoice_ids, *invoices_repository.posted_invoice_ids_of_bills(session, tenant.tenant_id, bill_ids)]
    return _post(session, tenant, customer, payment, intended, is_new=True, now=now, bill_run_type=new.bill_run_type)


def _locked_payment(session: Session, tenant: TenantContext,
                    payment_id: int) -> tuple[CustomerSnapshot, TenantContext, dict[str, Any]]:
    """Customer first, then the payment: the one lock order every money change follows."""
    customer = repository.lock_customer_of_payment(session, tenant.tenant_id, payment_id)
    payment = customer and repository.lock_payment(session, tenant.tenant_id, payment_id)
    if customer is None or payment is None:
        raise not_found("Payment", payment_id)
    return customer, tenant.at_version(session, customer.settings_version), dict(payment)


def post_payment(session: Session, *, tenant: TenantContext, payment: PaymentRef,
                 actor: str | None = None) -> RecordedPayment:
    """DRAFT -> POSTED, allocating it as ``record_payment`` would have."""
    customer, tenant, row = _locked_payment(session, tenant, _payment_id(session, tenant, payment))
    check_transition(row["id"], row["status"], "post")
    now = utcnow()
    row.update(updated_by=actor, version=row["version"] + 1, updated_at=now)
    intended = [*row["invoices_to_pay"],
                *invoices_repository.posted_invoice_ids_of_bills(session, tenant.tenant_id, row["bills_to_pay"])]
    return _post(session, tenant, customer, row, intended, is_new=False, now=now)


def _payment_id(session: Session, tenant: TenantContext, ref: PaymentRef) -> int:
    name, value = ref.key
    if name == "id":
        return value  # type: ignore[return-value]
    found = repository.payment_id_named(session, tenant.tenant_id, ref)
    if found is None:
        raise not_found("Payment", ref)
    return found


def reject_payment(session: Session, *, tenant: TenantContext, payment: PaymentRef, reason: str | None = None,
                   reason_id: int | None = None, actor: str | None = None) -> RecordedPayment:
    """DRAFT or PENDING_VERIFICATION -> REJECTED, with a rejection reason entry, free text, or both."""
    if reason is None and reason_id is None:
        raise InvalidRequest.for_field("rejection_reason", "give a rejection reason id, a reason text or both")
    _, tenant, row = _locked_payment(session, tenant, _payment_id(session, tenant, payment))
    check_transition(row["id"], row["status"], "reject")
    if reason_id is not None:
        entry = reference.rejection_reason(session, tenant_id=tenant.tenant_id, reason_id=reason_id,
                                           field="rejection_reason")
        reason = reason or entry.name
    now = utcnow()
    row.update(status=PaymentStatus.REJECTED, rejection_reason=reason, rejection_reason_id=reason_id,
               updated_by=actor, version=row["version"] + 1, updated_at=now)
    repository.update_payment(session, tenant.tenant_id, row, ("status", "rejection_reason", "rejection_reason_id",
                                                               "updated_by"), now)
    return RecordedPayment(payment=row)


def cancel_payment(session: Session, *, tenant: TenantContext, payment: PaymentRef,
                   cancellation: Cancellation = Cancellation(), actor: str | None = None) -> RecordedPayment:
    """POSTED -> CANCELLED: allocations and shortfall write-offs are reversed, invoices reopen, and a posted
    Payment Cancellation records it (of the tenant's default PAYMENT_CANCELLATION type and the payment's
    category unless others are named). A collection still pending is simply cancelled."""
    customer, tenant, row = _locked_payment(session, tenant, _payment_id(session, tenant, payment))
    check_transition(row["id"], row["status"], "cancel")
    type_id = tenant.transaction_type(cancellation.transaction_type, TransactionClassification.PAYMENT_CANCELLATION)
    category_id = tenant.category(cancellation.category)
    now = utcnow()
    row.update(updated_by=actor, version=row["version"] + 1, updated_at=now)
    if row["status"] is PaymentStatus.PENDING_VERIFICATION:
        row["status"] = PaymentStatus.CANCELLED
        repository.update_payment(session, tenant.tenant_id, row, ("status", "updated_by"), now)
        metrics.payment_cancelled(session, row["currency"])
        return RecordedPayment(payment=row)
    if row["refunded_minor"]:
        raise Conflict(f"payment {row['id']} has been refunded in part or whole; it cannot be cancelled")
    if customer.credit_minor < row["unallocated_minor"]:
        raise Conflict(f"payment {row['id']}'s credit has been used; it cannot be cancelled")
    allocations, shortfalls = repository.live_parts(session, tenant.tenant_id, row["id"])
    invoices = repository.lock_invoices(session, tenant.tenant_id,
                                        [a.invoice_id for a in allocations] + [s.invoice_id for s in shortfalls])
    plan = plan_cancellation(customer_id=customer.id, payment_id=row["id"], currency=row["currency"],
                             amount_minor=row["amount_minor"], unallocated_minor=row["unallocated_minor"],
                             allocations=allocations, shortfalls=shortfalls, invoices=invoices)
    cancelled = {
        "tenant_id": tenant.tenant_id,
        "number": next_number(session, tenant.tenant_id, "payment_cancellation", "PCN", gapless=False),
        "payment_id": row["id"], "type_id": type_id,
        "category_id": category_id if category_id is not None else row["category_id"],
        "amount_minor": row["amount_minor"], "currency": row["currency"], "posted_on": now.date(),
        "notes": cancellation.notes, "issue_reason": cancellation.issue_reason, "created_by": actor, "created_at": now,
    }
    repository.apply_cancellation(session, tenant_id=tenant.tenant_id, customer_id=customer.id, payment=row,
                                  plan=plan, cancellation=cancelled,
                                  reason=cancellation.issue_reason or "payment cancelled", now=now)
    row.update(status=PaymentStatus.CANCELLED, unallocated_minor=0)
    metrics.payment_cancelled(session, row["currency"])
    return RecordedPayment(payment=row, cancellation=cancelled)


def void_payment(session: Session, *, tenant: TenantContext, payment: PaymentRef, reason: str | None = None,
                 actor: str | None = None) -> RecordedPayment:
    """Undo a payment whatever its state allows: a POSTED (or pending) one is cancelled, a DRAFT rejected."""
    payment_id = _payment_id(session, tenant, payment)
    status = repository.status_of_payment(session, tenant.tenant_id, payment_id)
    if status is None:
        raise not_found("Payment", payment)
    if status is PaymentStatus.DRAFT:
        return reject_payment(session, tenant=tenant, payment=PaymentRef(id=payment_id),
                              reason=reason or "voided", actor=actor)
    return cancel_payment(session, tenant=tenant, payment=PaymentRef(id=payment_id),
                          cancellation=Cancellation(issue_reason=reason), actor=actor)


def pay_invoice(session: Session, *, tenant: TenantContext, invoice: InvoiceRef, payment_method: PaymentMethod,
                details: PaymentDetails = PaymentDetails(), actor: str | None = None,
                bill_run_type: BillRunType | None = None, amount: Decimal | None = None,
                field: str = "invoice") -> RecordedPayment:
    """A posted payment meant for the invoice: by default for exactly what it still owes (409 when it owes
    nothing), or of ``amount``, whose remainder goes to the customer's other invoices oldest first, then
    credit. With ``bill_run_type`` the invoice must be of that type (422 naming ``field``)."""
    found = repository.invoices_named(session, tenant.tenant_id, [invoice])[0]
    if found is None:
        if bill_run_type is not None:
            raise InvalidRequest.for_field(field, f"invoice {invoice} does not exist")
        raise not_found("Invoice", invoice)
    if bill_run_type is not None and found.bill_run_type is not bill_run_type:
        raise InvalidRequest.for_field(
            field, f"invoice {invoice} is a {found.bill_run_type.value} invoice, not {bill_run_type.value}")
    # Customer first, then the invoice: the lock order every money change follows.
    customer, tenant = _locked_customer(session, tenant, CustomerRef(id=found.customer_id))
    locked = repository.lock_invoices(session, tenant.tenant_id, [found.id])[0]
    if locked.customer_id != customer.id:  # a draft moved to another customer (and was posted) meanwhile
        raise Conflict(f"invoice {found.id} was modified concurrently; retry")
    if locked.status is not InvoiceStatus.POSTED or locked.outstanding_minor == 0:
        raise Conflict(f"invoice {found.id} is {locked.status.value} with nothing outstanding; nothing to pay")
    owed = to_major(locked.outstanding_minor, customer.currency)
    return _record(session, tenant, customer, actor=actor, new=NewPayment(
        customer=CustomerRef(id=customer.id), amount=owed if amount is None else amount,
        payment_method=payment_method, post=True, intended_invoices=(InvoiceRef(id=found.id),), details=details))


def pay_bill(session: Session, *, tenant: TenantContext, bill: BillRef, payment_method: PaymentMethod,
             check_digits: str | None = None, details: PaymentDetails = PaymentDetails(),
             actor: str | None = None) -> RecordedPayment:
    """A posted payment for exactly what the bill's invoices still owe; check digits must match."""
    found = invoices_repository.bills_named(session, tenant.tenant_id, [bill])[0]
    if found is None:
        raise not_found("Bill", bill)
    if found["check_digits"] is not None and check_digits != found["check_digits"]:
        raise InvalidRequest.for_field("check_digits", "do not match the bill's check digits")
    customer, tenant = _locked_customer(session, tenant, CustomerRef(id=found["customer_id"]))
    invoice_ids = invoices_repository.posted_invoice_ids_of_bills(session, tenant.tenant_id, [found["id"]])
    owed = sum(invoice.outstanding_minor for invoice in repository.lock_invoices(session, tenant.tenant_id, invoice_ids))
    if owed == 0:
        raise Conflict(f"bill {found['id']} has nothing outstanding; nothing to pay")
    return _record(session, tenant, customer, actor=actor, new=NewPayment(
        customer=CustomerRef(id=customer.id), amount=to_major(owed, customer.currency),
        payment_method=payment_method, post=True, intended_bills=(BillRef(id=found["id"]),), details=details))


def payment(session: Session, *, tenant_id: uuid.UUID, payment: PaymentRef) -> RecordedPayment:
    """One payment with its live allocations and its cancellation, read as rows (no ORM)."""
    row = repository.payment_row(session, tenant_id, payment)
    if row is None:
        raise not_found("Payment", payment)
    return views(session, tenant_id=tenant_id, payments=[row])[0]


def views(session: Session, *, tenant_id: uuid.UUID, payments: Sequence[Any]) -> list[RecordedPayment]:
    """Payments (rows, or ORM objects) with what a client sees beside them, related rows read in batch."""
    rows = [each if isinstance(each, Mapping) else repository.as_row(each) for each in payments]
    ids = [row["id"] for row in rows]
    allocations = repository.allocation_lines_by_payment(session, tenant_id, ids)
    cancellations = repository.cancellation_rows_by_payment(session, tenant_id, ids)
    return [RecordedPayment(payment=row, allocations=tuple(allocations.get(row["id"], ())),
                            cancellation=cancellations.get(row["id"])) for row in rows]


def list_payments(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    page = repository.PAYMENTS.page(session, tenant_id, criteria)
    page.items = views(session, tenant_id=tenant_id, payments=page.items)
    return page


def count_payments(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.PAYMENTS.count(session, tenant_id, criteria)


@dataclass(frozen=True)
class CustomerPaymentView:
    """A payment as Elevate's customer-payments resource shows it."""

    payment: Mapping[str, Any]
    resulting_balance_minor: int | None
    invoice: tuple[int, str] | None


def customer_payment_views(session: Session, *, tenant_id: uuid.UUID, customer_id: int,
                           payments: Sequence[Payment]) -> list[CustomerPaymentView]:
    ids = [payment.id for payment in payments]
    balances = repository.balances_after_posting(session, tenant_id, customer_id, ids)
    invoices = repository.first_allocated_invoices(session, tenant_id, ids)
    return [CustomerPaymentView(repository.as_row(payment), balances.get(payment.id), invoices.get(payment.id))
            for payment in payments]


def list_customer_payments(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    """A customer's payments: the criteria name the customer (customer_id equals it)."""
    customer_id = criteria.equals("customer_id")
    page = repository.page_of_customer_payments(session, tenant_id, criteria)
    page.items = customer_payment_views(session, tenant_id=tenant_id, customer_id=customer_id, payments=page.items)
    return page


def update_draft_payment(session: Session, *, tenant: TenantContext, payment: PaymentRef, changes: dict[str, Any],
                         actor: str | None = None) -> RecordedPayment:
    """Seed 004: only a DRAFT payment can change; a posted one is cancelled instead. ``changes`` are payment
    attributes (``amount`` a Decimal in the payment's currency)."""
    payment_id = _payment_id(session, tenant, payment)
    customer, tenant, _ = _locked_payment(session, tenant, payment_id)
    draft = get_scoped(session, Payment, tenant.tenant_id, payment_id, for_update=True)
    assert draft is not None, "locked a moment ago"
    if draft.status is not PaymentStatus.DRAFT:
        raise Conflict(f"payment {draft.id} is {draft.status.value}; only a DRAFT payment can be updated")
    if "amount" in changes:
        changes["amount_minor"] = _amount(changes.pop("amount"), draft.currency, "amount").minor
    changes = {name: value for name, value in changes.items() if getattr(draft, name) != value}
    if {"invoices_to_pay", "bills_to_pay"} & set(changes):
        _intended_invoice_ids(
            session, tenant.tenant_id, customer.id,
            [InvoiceRef(id=i) for i in changes.get("invoices_to_pay", draft.invoices_to_pay)],
            [BillRef(id=i) for i in changes.get("bills_to_pay", draft.bills_to_pay)])
    if "type_id" in changes:
        tenant.transaction_type(changes["type_id"], TransactionClassification.PAYMENT)
    if "category_id" in changes:
        tenant.category(changes["category_id"])
    if "payment_method" in changes:
        tenant.check_method(changes["payment_method"], field="payment_method")
    if {"type_id", "back_office_code"} & set(changes):
        _check_back_office_code(session, tenant.tenant_id, changes.get("type_id", draft.type_id),
                                changes.get("back_office_code", draft.back_office_code), own_id=draft.id)
    for name, value in changes.items():
        setattr(draft, name, value)
    if {"amount_minor", "payment_method"} & set(changes):
        draft.tenders = [{"method": draft.payment_method.value, "processor": None, "reference": None,
                          "amountMinor": draft.amount_minor}]
    draft.updated_by = actor
    session.flush()
    return views(session, tenant_id=tenant.tenant_id, payments=[draft])[0]


# --- /v1/invoice-payments and /v1/adhoc-invoice-payments -------------------------------------



@dataclass(frozen=True)
class InvoicePaymentView:
    """One payment as applied to one invoice: the amount is its live allocation to that invoice."""

    payment: Mapping[str, Any]
    invoice_id: int
    amount_minor: int


def _invoice_payment_views(session: Session, tenant_id: uuid.UUID,
                           allocations: Sequence[PaymentAllocation]) -> list[InvoicePaymentView]:
    payments = repository.payments_by_id(session, tenant_id, [a.payment_id for a in allocations])
    return [InvoicePaymentView(repository.as_row(payments[a.payment_id]), a.invoice_id, a.amount_minor)
            for a in allocations]


def pay_invoice_of_type(session: Session, *, tenant: TenantContext, invoice: InvoiceRef, bill_run_type: BillRunType,
                        amount: Decimal, payment_method: PaymentMethod, details: PaymentDetails,
                        actor: str | None = None) -> InvoicePaymentView:
    """A POSTED payment of ``amount`` intended for the invoice (which must be of the bill run type): the
    invoice first, any remainder to the customer's other unpaid invoices oldest first, then credit."""
    recorded = pay_invoice(session, tenant=tenant, invoice=invoice, payment_method=payment_method, details=details,
                           actor=actor, bill_run_type=bill_run_type, amount=amount)
    paid = recorded.allocations[0]  # an invoice that owes money takes the first part of a payment meant for it
    return InvoicePaymentView(recorded.payment, paid.invoice_id, paid.amount.minor)


def list_invoice_payments(session: Session, *, tenant_id: uuid.UUID, bill_run_type: BillRunType,
                          criteria: Criteria) -> Page:
    page = repository.page_of_invoice_allocations(session, tenant_id, bill_run_type, criteria)
    page.items = _invoice_payment_views(session, tenant_id, page.items)
    return page


def count_invoice_payments(session: Session, *, tenant_id: uuid.UUID, bill_run_type: BillRunType,
                           criteria: Criteria) -> int:
    return repository.count_invoice_allocations(session, tenant_id, bill_run_type, criteria)


def get_invoice_payment(session: Session, *, tenant_id: uuid.UUID, bill_run_type: BillRunType,
                        payment_id: int) -> InvoicePaymentView:
    """The payment as applied to its intended invoice of the type, else to the first such invoice it paid;
    404 when it has no live allocation to an invoice of the type."""
    allocations = repository.invoice_allocations_of_payment(session, tenant_id, bill_run_type, payment_id)
    if not allocations:
        raise not_found("Invoice payment", payment_id)
    views_ = _invoice_payment_views(session, tenant_id, allocations)
    intended = set(views_[0].payment["invoices_to_pay"])
    return next((view for view in views_ if view.invoice_id in intended), views_[0])
