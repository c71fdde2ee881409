"""Payment use cases: create, post (allocating), reject, cancel, pay an invoice or a bill.

Every function that moves money locks the customer row first, then the invoices it
touches, and appends to the journal in the same transaction (DESIGN "Payments",
"Allocation", "Balances"). Transitions other than the documented ones are 409.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from decimal import Decimal

from ledgerline import events
from ledgerline.errors import Conflict, FieldError, InvalidRequest, not_found
from ledgerline.events.values import PaidInvoice
from ledgerline.invoices.values import BillCheckDigits
from ledgerline.invoices import repository as invoices_repository
from ledgerline.kit.ids import new_locator, new_uuid
from ledgerline.kit.criteria import Criteria, Criterion, Equals, Page
from ledgerline.kit.money import Money, MoneyError, to_major
from ledgerline.kit.refs import BillRef, CustomerRef, InvoiceRef, PaymentRef
from ledgerline.kit.repository import get_scoped, next_number
from ledgerline.models import (
    Customer, FinancialTransactionCategory, FinancialTransactionType, Invoice, Payment,
    RejectionReason,
)
from ledgerline.models.base import utcnow
from ledgerline.models.enums import BillRunType, InvoiceStatus, PaymentMethod, PaymentStatus, TransactionClassification
from ledgerline.payments import repository
from ledgerline.payments.lifecycle import check_transition
from ledgerline.gift_certificates import repository as certificates
from ledgerline.payments.planning import (
    CustomerSnapshot, InvoiceSnapshot, PostingPlan, Redeem, SpendCredit, plan_cancellation, plan_posting,
)
from ledgerline.payments.values import (
    USER_FIELDS, AllocationLine, AppliedCertificate, AppliedCredit, Cancellation, CreditApplication,
    CustomerTransaction, GiftCertificateRedemption, InvoiceSummary, NewPayment, PaymentDetails, PaymentRelations,
    RecordedPayment, Tender, TransactionKind,
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

def _amount(value: Decimal, currency: str, field: str, *, zero: bool = False) -> Money:
    """An exact amount of the currency, greater than zero (or, with ``zero``, not negative)."""
    try:
        money = Money.of(value, currency)
    except MoneyError as exc:
        raise InvalidRequest.for_field(field, str(exc)) from None
    if money.is_negative or (money.is_zero and not zero):
        raise InvalidRequest.for_field(field, "must not be negative" if zero else "must be greater than zero")
    return money


@dataclass(frozen=True)
class _NotCash:
    """What a payment applies beside its cash, in minor units, before the snapshot is locked."""

    spends: tuple[tuple[str, int, str | None], ...] = ()   # (amount field, minor, credit named)
    redemptions: tuple[tuple[str, str, int], ...] = ()     # (amount field, code, minor)

    def __bool__(self) -> bool:
        return bool(self.spends or self.redemptions)

    @property
    def total_minor(self) -> int:
        return sum(minor for _, minor, _ in self.spends) + sum(minor for _, _, minor in self.redemptions)


def _not_cash(currency: str, credit_applied: Sequence[CreditApplication],
              gift_certificates: Sequence[GiftCertificateRedemption]) -> _NotCash:
    spends = tuple((f"credit_applied[{n}].amount", _amount(a.amount, currency, f"credit_applied[{n}].amount").minor,
                    a.credit) for n, a in enumerate(credit_applied))
    redemptions = []
    for n, redemption in enumerate(gift_certificates):
        if not redemption.code or not redemption.code.strip():
            raise InvalidRequest.for_field(f"gift_certificates[{n}].code", "must not be blank")
        redemptions.append((f"gift_certificates[{n}].amount", redemption.code,
                            _amount(redemption.amount, currency, f"gift_certificates[{n}].amount").minor))
    return _NotCash(spends, tuple(redemptions))


def _locked_customer(session: Session, tenant: TenantContext, ref: CustomerRef,
                     field: str = "customer") -> tuple[CustomerSnapshot, TenantContext]:
    """The customer locked, and the tenant's policy as of that moment (reloaded if another process changed it)."""
    customer = repository.lock_customer(session, tenant.tenant_id, ref)
    if customer is None:
        raise InvalidRequest.for_field(field, f"customer {ref} does not exist")
    return customer, tenant.at_version(session, customer.settings_version)


def _intended_invoice_ids(session: Session, tenant_id: uuid.UUID, customer_id: int, invoices: Sequence[InvoiceRef],
                          bills: Sequence[BillRef],
                          bill_checks: Sequence[BillCheckDigits] | None = None) -> tuple[list[int], list[int]]:
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
        if bill_checks is not None:
            _check_digits(bill, bill_checks[position] if position < len(bill_checks) else BillCheckDigits(),
                          f"intended_bills[{position}].")
        bill_ids.append(bill["id"])
    return ids, bill_ids


def _check_digits(bill: Mapping[str, Any], given: BillCheckDigits, prefix: str) -> None:
    problems = given.mismatches(bill)
    if problems:
        raise InvalidRequest(f"bill {bill['number']}: check digits do not match",
                             errors=[FieldError(prefix + name, problem) for name, problem in problems])


def _tenders(tenant: TenantContext, new: NewPayment, amount: Money) -> list[dict[str, Any]]:
    tenant.check_method(new.payment_method, field="payment_method")
    if new.tenders is None and amount.is_zero:  # credit or certificates alone: no cash was handed over
        return []
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
        "credit_applied_minor": 0, "gift_applied_minor": 0,
    }
    unknown = set(details.user_fields) - set(USER_FIELDS)
    if unknown:
        raise InvalidRequest.for_field(sorted(unknown)[0], "is not a user-defined field")
    row.update({name: details.user_fields.get(name) for name in USER_FIELDS})
    return row


def _posted(payment: dict[str, Any], plan: PostingPlan, invoices: Sequence[InvoiceSnapshot],
            now: dt.datetime) -> RecordedPayment:
    numbers = {invoice.id: invoice.number for invoice in invoices}
    payment.update(status=PaymentStatus.POSTED, posted_on=now.date(), unallocated_minor=plan.credit.minor,
                   credit_applied_minor=plan.credit_spent_minor, gift_applied_minor=plan.gift_redeemed_minor)
    allocations = tuple(AllocationLine(a.invoice_id, numbers[a.invoice_id], a.amount) for a in plan.allocations)
    return RecordedPayment(
        payment=payment, allocations=allocations,
        write_offs=tuple(AllocationLine(w.invoice_id, numbers[w.invoice_id], w.amount) for w in plan.write_offs),
        balance_after=plan.balance_after,
        first_invoice=(allocations[0].invoice_id, allocations[0].invoice_number) if allocations else None)


# Allocation time is observed around the pure rule (ledgerline_allocation_duration_seconds).
_timed_plan_posting = metrics.timed_allocation(plan_posting)


def _post(session: Session, tenant: TenantContext, customer: CustomerSnapshot, payment: dict[str, Any],
          intended: Sequence[int], *, is_new: bool, now: dt.datetime, not_cash: _NotCash = _NotCash(),
          bill_run_type: BillRunType | None = None) -> RecordedPayment:
    """Allocate the payment over the customer's open invoices (locked here, after the customer; only those of
    ``bill_run_type`` when one is named) and write it; spent credit and redeemed certificates (locked last, in
    id order) settle the invoices before the cash."""
    invoices = repository.lock_open_invoices(session, tenant.tenant_id, customer.id, bill_run_type=bill_run_type)
    spends: list[SpendCredit] = []
    redemptions: list[Redeem] = []
    if not_cash:
        named = repository.credits_named(session, tenant.tenant_id, customer.id,
                                         [ref for _, _, ref in not_cash.spends if ref is not None])
        for field, minor, ref in not_cash.spends:
            if ref is not None and ref not in named:
                raise InvalidRequest.for_field(field.rsplit(".", 1)[0] + ".credit",
                                               f"credit {ref} is not a live payment credit of customer {customer.id}")
            spends.append(SpendCredit(field, minor, None if ref is None else named[ref]))
        found = certificates.lock_by_codes(session, tenant.tenant_id, [code for _, code, _ in not_cash.redemptions])
        redemptions = [Redeem(field, code, minor, found.get(code)) for field, code, minor in not_cash.redemptions]
    plan = _timed_plan_posting(customer=customer, open_invoices=invoices, intended=intended,
                               amount=Money(payment["amount_minor"], payment["currency"]),
                               tolerance=tenant.tolerance(payment["currency"]), spends=spends,
                               redemptions=redemptions, today=now.date())
    recorded = _posted(payment, plan, invoices, now)
    written = repository.apply_postings(
        session, [repository.Posting(tenant.tenant_id, customer.id, payment, plan, is_new)], now)
    metrics.payment_posted(session, payment["currency"])
    if plan.distributions:
        recorded = replace(recorded, **_applied(written[0], {invoice.id: invoice.number for invoice in invoices}))
    _record_posted(session, tenant.tenant_id, recorded, plan, invoices)
    return recorded


def _applied(rows: Sequence[dict[str, Any]], numbers: Mapping[int, str]) -> dict[str, tuple]:
    """What a posting spent and redeemed, as the payment's views show it, from the credits it wrote."""
    credit, gift = [], []
    for row in rows:
        amount = Money(row["amount_minor"], row["currency"])
        invoices = tuple(AllocationLine(invoice_id, numbers[invoice_id], Money(minor, row["currency"]))
                         for invoice_id, minor in row["targets"])
        if row["certificate_id"] is None:
            credit.append(AppliedCredit(row["id"], row["locator"], amount, row["parent_id"], invoices))
        else:
            gift.append(AppliedCertificate(row["code"], row["certificate_id"], amount, row["id"], row["locator"],
                                           invoices))
    return {"credit_applied": tuple(credit), "gift_certificate_applied": tuple(gift)}


def _record_posted(session: Session, tenant_id: uuid.UUID, recorded: RecordedPayment, plan: PostingPlan,
                   invoices: Sequence[InvoiceSnapshot]) -> None:
    """payment.posted, and invoice.paid for each invoice it left owing nothing (from the locked snapshot)."""
    payment = recorded.payment
    events.record(session, tenant_id, "payment.posted", payment["customer_id"], recorded)
    snapshots = {invoice.id: invoice for invoice in invoices}
    for change in plan.invoices:
        invoice = snapshots.get(change.id)
        if invoice is not None and change.outstanding_minor == 0 and invoice.outstanding_minor > 0:
            events.record(session, tenant_id, "invoice.paid", payment["customer_id"], PaidInvoice(
                id=invoice.id, number=invoice.number, customer_id=invoice.customer_id, currency=payment["currency"],
                status=invoice.status, total_minor=invoice.total_minor, outstanding_minor=0,
                payment_status=change.payment_status, payment_id=payment["id"]))


def record_payment(session: Session, *, tenant: TenantContext, new: NewPayment,
                   actor: str | None = None) -> RecordedPayment:
    """A DRAFT payment, or a POSTED one allocated at once: its intended invoices and bills first, in the
    order given, then the customer's other open invoices oldest first; the rest is customer credit. An
    intended invoice left short by no more than the tenant's tolerance is settled by a shortfall write-off."""
    customer, tenant = _locked_customer(session, tenant, new.customer)
    return _record(session, tenant, customer, new, actor)


def record_pending_collection(session: Session, *, tenant: TenantContext, new: NewPayment,
                              actor: str | None = None) -> RecordedPayment:
    """A payment a provider is collecting: PENDING_VERIFICATION, allocating and settling nothing until the
    provider says the money was collected (``post_payment``), failed (``reject_payment``) or was cancelled."""
    customer, tenant = _locked_customer(session, tenant, new.customer)
    return _record(session, tenant, customer, new, actor, pending=True)


def _record(session: Session, tenant: TenantContext, customer: CustomerSnapshot, new: NewPayment,
            actor: str | None, *, pending: bool = False) -> RecordedPayment:
    not_cash = _not_cash(customer.currency, new.credit_applied, new.gift_certificates)
    if not_cash and not new.post:
        raise InvalidRequest.for_field("credit_applied" if new.credit_applied else "gift_certificates",
                                       "is applied when the payment is posted: post the payment at once")
    # With credit or certificates the cash may be nothing at all.
    amount = _amount(new.amount, customer.currency, "amount", zero=bool(not_cash))
    invoice_ids, bill_ids = _intended_invoice_ids(session, tenant.tenant_id, customer.id, new.intended_invoices,
                                                  new.intended_bills, new.intended_bill_check_digits)
    type_id = tenant.transaction_type(new.details.transaction_type, TransactionClassification.PAYMENT)
    category_id = tenant.category(new.details.category)
    tenders = _tenders(tenant, new, amount)
    _check_back_office_code(session, tenant.tenant_id, type_id, new.details.back_office_code)
    now = utcnow()
    number = next_number(session, tenant.tenant_id, "payment", "PAY", gapless=False)
    payment = _payment_row(tenant, customer, new, amount, tenders, type_id, category_id, actor, now, number,
                           invoice_ids, bill_ids)
    if pending:
        payment["status"] = PaymentStatus.PENDING_VERIFICATION
    if pending or not new.post:
        repository.insert_payment(session, payment)
        return RecordedPayment(payment=payment)
    intended = [*invoice_ids, *invoices_repository.posted_invoice_ids_of_bills(session, tenant.tenant_id, bill_ids)]
    return _post(session, tenant, customer, payment, intended, is_new=True, now=now, not_cash=not_cash,
                 bill_run_type=new.bill_run_type)


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


def note_third_party_status(session: Session, *, tenant_id: uuid.UUID, payment_id: int, status: str) -> None:
    """What the provider collecting the payment last said (thirdPartyPaymentStatus); moves no money."""
    repository.update_payment(session, tenant_id, {"id": payment_id, "third_party_status": status},
                              ("third_party_status",), utcnow())


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
    was_pending = row["status"] is PaymentStatus.PENDING_VERIFICATION
    if reason_id is not None:
        entry = reference.rejection_reason(session, tenant_id=tenant.tenant_id, reason_id=reason_id,
                                           field="rejection_reason")
        reason = reason or entry.name
    now = utcnow()
    row.update(status=PaymentStatus.REJECTED, rejection_reason=reason, rejection_reason_id=reason_id,
               updated_by=actor, version=row["version"] + 1, updated_at=now)
    repository.update_payment(session, tenant.tenant_id, row, ("status", "rejection_reason", "rejection_reason_id",
                                                               "updated_by"), now)
    if was_pending:
        _follow_pending_withdrawn(session, tenant, row)
    recorded = RecordedPayment(payment=row)
    events.record(session, tenant.tenant_id, "payment.rejected", row["customer_id"], recorded)
    return recorded


# What other domains do when a payment still PENDING_VERIFICATION is cancelled or rejected here (the providers'
# collection follows it); registered by them, since payments cannot know them. Called under the customer's lock.
PendingWithdrawn = Callable[[Session, TenantContext, Mapping[str, Any]], None]
_PENDING_WITHDRAWN: list[PendingWithdrawn] = []


def on_pending_withdrawn(follower: PendingWithdrawn) -> PendingWithdrawn:
    """Decorator: ``follower(session, tenant, payment_row)`` runs in the cancellation's or rejection's
    transaction."""
    _PENDING_WITHDRAWN.append(follower)
    return follower


def _follow_pending_withdrawn(session: Session, tenant: TenantContext, row: Mapping[str, Any]) -> None:
    for follower in _PENDING_WITHDRAWN:
        follower(session, tenant, row)


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
        _follow_pending_withdrawn(session, tenant, row)
        metrics.payment_cancelled(session, row["currency"])
        recorded = RecordedPayment(payment=row)
        events.record(session, tenant.tenant_id, "payment.cancelled", row["customer_id"], recorded)
        return recorded
    if row["refunded_minor"]:
        raise Conflict(f"payment {row['id']} has been refunded in part or whole; it cannot be cancelled")
    not_cash = bool(row.get("credit_applied_minor") or row.get("gift_applied_minor"))
    if not not_cash and customer.credit_minor < row["unallocated_minor"]:
        raise Conflict(f"payment {row['id']}'s credit has been used; it cannot be cancelled")
    allocations, shortfalls = repository.live_parts(session, tenant.tenant_id, row["id"])
    distributions = repository.live_distributions(session, tenant.tenant_id, row["id"]) if not_cash else []
    invoices = repository.lock_invoices(session, tenant.tenant_id,
                                        [a.invoice_id for a in allocations] + [s.invoice_id for s in shortfalls]
                                        + [d.invoice_id for d in distributions])
    redemptions = certificates.live_redemptions(session, tenant.tenant_id, row["id"]) if not_cash else []
    certificates.lock_by_ids(session, tenant.tenant_id, [r.certificate_id for r in redemptions])
    plan = plan_cancellation(customer_id=customer.id, payment_id=row["id"], currency=row["currency"],
                             amount_minor=row["amount_minor"], unallocated_minor=row["unallocated_minor"],
                             allocations=allocations, shortfalls=shortfalls, invoices=invoices,
                             distributions=distributions, redemptions=redemptions,
                             customer_credit_minor=customer.credit_minor)
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
    recorded = RecordedPayment(payment=row, cancellation=cancelled)
    events.record(session, tenant.tenant_id, "payment.cancelled", row["customer_id"], recorded)
    return recorded


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
                field: str = "invoice", tenders: tuple[Tender, ...] | None = None,
                credit_applied: tuple[CreditApplication, ...] = (),
                gift_certificates: tuple[GiftCertificateRedemption, ...] = (),
                customer: int | None = None) -> RecordedPayment:
    """A posted payment meant for the invoice: by default for exactly what it still owes (409 when it owes
    nothing), or of ``amount``, whose remainder goes to the customer's other invoices oldest first, then
    credit. With ``bill_run_type`` the invoice must be of that type, with ``customer`` (an id) that customer's
    (422 naming ``field``).

    Customer credit spent and gift certificates redeemed settle the invoice before the cash; by default
    the cash is then what they leave owing (nothing when they cover it)."""
    found = repository.invoices_named(session, tenant.tenant_id, [invoice])[0]
    if found is None:
        if bill_run_type is not None:
            raise InvalidRequest.for_field(field, f"invoice {invoice} does not exist")
        raise not_found("Invoice", invoice)
    if customer is not None and found.customer_id != customer:
        raise InvalidRequest.for_field(field, f"invoice {invoice} is not an invoice of customer {customer}")
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
    if amount is None:
        not_cash = _not_cash(customer.currency, credit_applied, gift_certificates).total_minor
        amount = to_major(max(locked.outstanding_minor - not_cash, 0), customer.currency)
    return _record(session, tenant, customer, actor=actor, new=NewPayment(
        customer=CustomerRef(id=customer.id), amount=amount, payment_method=payment_method, post=True,
        intended_invoices=(InvoiceRef(id=found.id),), details=details, tenders=tenders,
        credit_applied=credit_applied, gift_certificates=gift_certificates))


def pay_bill(session: Session, *, tenant: TenantContext, bill: BillRef, payment_method: PaymentMethod,
             check_digits: BillCheckDigits = BillCheckDigits(), details: PaymentDetails = PaymentDetails(),
             actor: str | None = None, customer: int | None = None) -> RecordedPayment:
    """A posted payment for exactly what the bill's invoices still owe; each check digit the bill has must be
    repeated (seed 004). With ``customer`` (an id) the bill must be that customer's (422 naming ``bill``)."""
    found = invoices_repository.bills_named(session, tenant.tenant_id, [bill])[0]
    if found is None:
        raise not_found("Bill", bill)
    if customer is not None and found["customer_id"] != customer:
        raise InvalidRequest.for_field("bill", f"bill {bill} is not a bill of customer {customer}")
    _check_digits(found, check_digits, "")
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
    credit, gift = repository.applied_by_payment(session, tenant_id, rows)
    return [RecordedPayment(payment=row, allocations=tuple(allocations.get(row["id"], ())),
                            cancellation=cancellations.get(row["id"]),
                            credit_applied=tuple(credit.get(row["id"], ())),
                            gift_certificate_applied=tuple(gift.get(row["id"], ()))) for row in rows]


def list_payments(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    page = repository.PAYMENTS.page(session, tenant_id, criteria)
    page.items = views(session, tenant_id=tenant_id, payments=page.items)
    return page


def count_payments(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.PAYMENTS.count(session, tenant_id, criteria)


def _transaction(row: Mapping[str, Any]) -> CustomerTransaction:
    return CustomerTransaction(
        kind=TransactionKind(row["kind"]), id=row["id"], customer_id=row["customer_id"], currency=row["currency"],
        amount_minor=row["amount_minor"], is_debit=bool(row["is_debit"]), cancelled=bool(row["cancelled"]),
        payment_method=PaymentMethod(row["payment_method"]) if row["payment_method"] is not None else None,
        occurred_on=row["occurred_on"], description=row["description"], reference=row["reference"],
        invoice=(row["invoice_id"], row["invoice_number"]) if row["invoice_id"] is not None else None,
        bill_run_type=BillRunType(row["bill_run_type"]) if row["bill_run_type"] is not None else None,
        balance_after_minor=row["balance_minor"])


def list_customer_payments(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    """A customer's payments (credits) beside its refunds and balance adjustments (debits), in one order:
    the criteria name the customer (customer_id equals it) and may keep debits or credits alone
    (``is_debit``)."""
    page = repository.page_of_customer_transactions(session, tenant_id, criteria)
    page.items = [_transaction(row) for row in page.items]
    return page


def count_customer_payments(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.count_customer_transactions(session, tenant_id, criteria)


def update_draft_payment(session: Session, *, tenant: TenantContext, payment: PaymentRef, changes: dict[str, Any],
                         actor: str | None = None) -> RecordedPayment:
    """Seed 004: only a DRAFT payment can change; a posted one is cancelled instead. Its back office code
    alone can be set in any state (seed 004 identifies payments by it but no method sets it), unique per
    financial transaction type. ``changes`` are payment attributes (``amount`` a Decimal in the payment's
    currency)."""
    payment_id = _payment_id(session, tenant, payment)
    customer, tenant, _ = _locked_payment(session, tenant, payment_id)
    draft = get_scoped(session, Payment, tenant.tenant_id, payment_id, for_update=True)
    assert draft is not None, "locked a moment ago"
    if "amount" in changes:
        changes["amount_minor"] = _amount(changes.pop("amount"), draft.currency, "amount").minor
    changes = {name: value for name, value in changes.items() if getattr(draft, name) != value}
    if draft.status is not PaymentStatus.DRAFT and set(changes) - {"back_office_code"}:
        raise Conflict(f"payment {draft.id} is {draft.status.value}; only a DRAFT payment can be updated "
                       "(its back office code excepted)")
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


# --- listing by invoice or customer, and the invoices a payment was applied to (Exsited) ---------------

def list_payments_of(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria, invoice: InvoiceRef | None = None,
                     customer: CustomerRef | None = None) -> Page:
    """The payments that meet the criteria and were applied to the invoice (live or reversed since), or
    are the customer's; 404 when the invoice or customer named does not exist."""
    where = list(criteria.where)
    if invoice is not None:
        invoice_id = repository.invoice_id_named(session, tenant_id, invoice)
        if invoice_id is None:
            raise not_found("Invoice", invoice)
        where.append(Criterion("invoice_id", Equals(invoice_id)))
    if customer is not None:
        customer_id = repository.customer_id_named(session, tenant_id, customer)
        if customer_id is None:
            raise not_found("Customer", customer)
        where.append(Criterion("customer_id", Equals(customer_id)))
    return list_payments(session, tenant_id=tenant_id, criteria=replace(criteria, where=tuple(where)))


def applied_invoices(session: Session, *, tenant_id: uuid.UUID,
                     payments: Sequence[RecordedPayment]) -> dict[int, InvoiceSummary]:
    """Each invoice the payments' live allocations name, as it stands now, by id: one query."""
    lines = [line for each in payments
             for line in (*each.allocations, *(line for spent in (*each.credit_applied, *each.gift_certificate_applied)
                                               for line in spent.invoices))]
    rows = repository.invoice_summaries(session, tenant_id, [line.invoice_id for line in lines])
    return {invoice_id: InvoiceSummary(id=invoice_id, number=row["number"], issue_date=row["issue_date"],
                                       due_date=row["due_date"], total=Money(row["total_minor"], row["currency"]),
                                       outstanding=Money(row["outstanding_minor"], row["currency"]))
            for invoice_id, row in rows.items()}


# --- payments rendered whole (seed 004's payment object) ------------------------------------------------

def latest_payments(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> list[RecordedPayment]:
    """The payments meeting the criteria, in their order and window, with allocations and cancellations."""
    return views(session, tenant_id=tenant_id, payments=repository.latest_payment_rows(session, tenant_id, criteria))


def relations(session: Session, *, tenant_id: uuid.UUID, payments: Sequence[RecordedPayment]) -> PaymentRelations:
    """Everything the payments point at, read in batch: a fixed number of queries whatever their count."""
    rows = [each.payment for each in payments]
    cancellations = [each.cancellation for each in payments if each.cancellation is not None]
    invoice_ids = {invoice_id for row in rows for invoice_id in row["invoices_to_pay"]}
    invoice_ids |= {line.invoice_id for each in payments for line in each.allocations}
    return PaymentRelations(
        customers=repository.rows_by_id(session, Customer, tenant_id, [row["customer_id"] for row in rows],
                                        "number", "name", "status"),
        transaction_types=repository.rows_by_id(
            session, FinancialTransactionType, tenant_id,
            [row["type_id"] for row in rows] + [each["type_id"] for each in cancellations],
            "name", "alternative_code", "description", "classification"),
        categories=repository.rows_by_id(
            session, FinancialTransactionCategory, tenant_id,
            [row["category_id"] for row in rows] + [each["category_id"] for each in cancellations],
            "name", "code", "description"),
        payment_methods=repository.method_rows(session, tenant_id, [row["payment_method"] for row in rows]),
        users=repository.user_rows(session, tenant_id, [name for row in rows
                                                        for name in (row["received_by_user"], row["created_by"],
                                                                     row["updated_by"])]),
        rejection_reasons=repository.rows_by_id(session, RejectionReason, tenant_id,
                                                [row["rejection_reason_id"] for row in rows],
                                                "name", "alternative_code", "description"),
        invoices=repository.rows_by_id(session, Invoice, tenant_id, list(invoice_ids), "number", "reference_number",
                                       "status", "issue_date", "posted_at", "due_date", "currency", "total_minor",
                                       "outstanding_minor"),
        bills=repository.bill_rows(session, tenant_id, [bill_id for row in rows for bill_id in row["bills_to_pay"]]),
        bills_paid={payment_id: tuple(bills) for payment_id, bills in repository.bills_paid_by_payment(
            session, tenant_id, [row["id"] for row in rows]).items()},
    )
