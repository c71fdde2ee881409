"""The payment use cases called as tests of internal behaviour like to: ids and minor units in, the ORM row out.

The services take domain values (references, Decimal amounts, a TenantContext); these helpers build them
so that a test reads as the scenario it proves, and hand back the payment as a row object to assert on.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from sqlalchemy.orm import Session

from ledgerline.kit.money import to_major
from ledgerline.kit.refs import BillRef, CustomerRef, InvoiceRef, PaymentRef
from ledgerline.models import Customer, Payment
from ledgerline.models.enums import PaymentMethod, PaymentStatus
from ledgerline.invoices.values import BillCheckDigits
from ledgerline.payments import service
from ledgerline.payments.values import USER_FIELDS, Cancellation, NewPayment, PaymentDetails
from ledgerline.tenants.context import TenantContext, load

_DETAIL_NAMES = {field.name for field in dataclasses.fields(PaymentDetails)}


def tenant_context(session: Session, tenant_id: uuid.UUID, *, currency: str | None = None,
                   tolerance_minor: int = 0) -> TenantContext:
    context = load(session, tenant_id, {})
    assert context is not None, f"tenant {tenant_id} exists"
    if currency is not None and tolerance_minor:
        context = dataclasses.replace(context, tolerances={**context.tolerances, currency: tolerance_minor})
    return context


def details(**values: Any) -> PaymentDetails:
    user_fields = {name: values.pop(name) for name in list(values) if name in USER_FIELDS}
    renamed = {"type_id": "transaction_type", "category_id": "category", "third_party_status": "third_party_status"}
    values = {renamed.get(name, name): value for name, value in values.items()}
    unknown = set(values) - _DETAIL_NAMES
    assert not unknown, f"not payment details: {unknown}"
    if "custom_attributes" in values:
        values["custom_attributes"] = tuple(values["custom_attributes"])
    return PaymentDetails(user_fields=user_fields, **values)


def _row(session: Session, payment_id: int) -> Payment:
    payment = session.get(Payment, payment_id)
    assert payment is not None
    return payment


def create_payment(session: Session, *, tenant_id: uuid.UUID, customer_id: int, amount_minor: int,
                   payment_method: PaymentMethod, status: PaymentStatus = PaymentStatus.DRAFT,
                   invoices_to_pay: tuple[int, ...] | list[int] = (), bills_to_pay: tuple[int, ...] | list[int] = (),
                   tolerance_minor: int = 0, created_by: str | None = None, **extra: Any) -> Payment:
    currency = session.get(Customer, customer_id).currency if session.get(Customer, customer_id) else "GBP"
    tenant = tenant_context(session, tenant_id, currency=currency, tolerance_minor=tolerance_minor)
    recorded = service.record_payment(session, tenant=tenant, actor=created_by, new=NewPayment(
        customer=CustomerRef(id=customer_id), amount=to_major(amount_minor, currency), payment_method=payment_method,
        post=status is PaymentStatus.POSTED, intended_invoices=tuple(InvoiceRef(id=i) for i in invoices_to_pay),
        intended_bills=tuple(BillRef(id=i) for i in bills_to_pay), details=details(**extra)))
    return _row(session, recorded.id)


def post_payment(session: Session, *, tenant_id: uuid.UUID, payment_id: int, tolerance_minor: int = 0,
                 posted_by: str | None = None) -> Payment:
    currency = session.get(Payment, payment_id).currency if session.get(Payment, payment_id) else "GBP"
    tenant = tenant_context(session, tenant_id, currency=currency, tolerance_minor=tolerance_minor)
    recorded = service.post_payment(session, tenant=tenant, payment=PaymentRef(id=payment_id), actor=posted_by)
    return _row(session, recorded.id)


def cancel_payment(session: Session, *, tenant_id: uuid.UUID, payment_id: int, notes: str | None = None,
                   issue_reason: str | None = None, cancelled_by: str | None = None) -> Payment:
    recorded = service.cancel_payment(session, tenant=tenant_context(session, tenant_id),
                                      payment=PaymentRef(id=payment_id), actor=cancelled_by,
                                      cancellation=Cancellation(notes=notes, issue_reason=issue_reason))
    return _row(session, recorded.id)


def reject_payment(session: Session, *, tenant_id: uuid.UUID, payment_id: int, reason: str | None = None,
                   reason_id: int | None = None) -> Payment:
    recorded = service.reject_payment(session, tenant=tenant_context(session, tenant_id),
                                      payment=PaymentRef(id=payment_id), reason=reason, reason_id=reason_id)
    return _row(session, recorded.id)


def pay_invoice(session: Session, *, tenant_id: uuid.UUID, invoice_id: int, payment_method: PaymentMethod,
                created_by: str | None = None, **extra: Any) -> Payment:
    recorded = service.pay_invoice(session, tenant=tenant_context(session, tenant_id), invoice=InvoiceRef(id=invoice_id),
                                   payment_method=payment_method, details=details(**extra), actor=created_by)
    return _row(session, recorded.id)


def pay_bill(session: Session, *, tenant_id: uuid.UUID, bill_id: int, payment_method: PaymentMethod,
             check_digits: BillCheckDigits = BillCheckDigits(), created_by: str | None = None, **extra: Any) -> Payment:
    recorded = service.pay_bill(session, tenant=tenant_context(session, tenant_id), bill=BillRef(id=bill_id),
                                payment_method=payment_method, check_digits=check_digits, details=details(**extra),
                                actor=created_by)
    return _row(session, recorded.id)
