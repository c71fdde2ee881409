"""Invoice payment use cases (seed 000 invoice-payments and adhoc-invoice-payments, issues 14 and 15).

Each call records one row, with its own id, of what was said about an invoice's payment. Only money the
status says was collected settles the invoice, through the payments use cases (a posted payment meant
for the invoice); a negative amount the status says was returned goes back through the refunds use
case (against the invoice); anything else (FAILED, CANCELLED, PENDING_*, ...) is recorded and settles
nothing. The row and its money movement are written in the one request transaction.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.orm import Session

from ledgerline.errors import Conflict, InvalidRequest, not_found
from ledgerline.invoice_payments import repository
from ledgerline.invoice_payments.planning import Effect, effect_of
from ledgerline.invoice_payments.values import InvoicePaymentView, NewInvoicePayment
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.ids import new_locator, new_uuid
from ledgerline.kit.money import Money, MoneyError
from ledgerline.kit.refs import InvoiceRef
from ledgerline.models import Invoice
from ledgerline.models.base import utcnow
from ledgerline.models.enums import BillRunType, InvoiceStatus, PaymentMethod, PaymentStatus
from ledgerline.payments import service as payments
from ledgerline.payments.values import PaymentDetails
from ledgerline.refunds import service as refunds
from ledgerline.tenants.context import TenantContext


def _amount(value: Decimal, currency: str) -> Money:
    try:
        money = Money.of(value, currency)
    except MoneyError as exc:
        raise InvalidRequest.for_field("amount", str(exc)) from None
    if money.is_zero:
        raise InvalidRequest.for_field("amount", "must not be 0")
    return money


def record_invoice_payment(session: Session, *, tenant: TenantContext, new: NewInvoicePayment,
                           actor: str | None = None) -> InvoicePaymentView:
    """One row for the invoice (which must be the tenant's, of the bill run type: else a validation error
    naming ``invoice``), and the money it moves: collected money posts a payment meant for the invoice
    (409 unless it is posted with something outstanding), returned money refunds it (never more than its
    payments put on it), other statuses move nothing (409 unless the invoice is posted)."""
    invoice = repository.invoice_named(session, tenant.tenant_id, new.invoice)
    if invoice is None:
        raise InvalidRequest.for_field("invoice", f"invoice {new.invoice} does not exist")
    if invoice.bill_run_type is not new.bill_run_type:
        raise InvalidRequest.for_field(
            "invoice", f"invoice {new.invoice} is a {invoice.bill_run_type.value} invoice, not {new.bill_run_type.value}")
    amount = _amount(new.amount, invoice.currency)
    tenant.check_method(new.payment_method, field="payment_method")
    payment_id = refund_id = None
    effect = effect_of(amount, new.third_party_status)
    if effect is Effect.SETTLE:
        payment_id = payments.pay_invoice(
            session, tenant=tenant, invoice=InvoiceRef(id=invoice.id), payment_method=new.payment_method,
            details=PaymentDetails(notes=new.description, third_party_status=new.third_party_status), actor=actor,
            bill_run_type=new.bill_run_type, amount=new.amount, field="invoice").id
    elif effect is Effect.RETURN:
        refund_id = refunds.refund(session, tenant=tenant, actor=actor, new=refunds.NewRefund(
            amount=-new.amount, invoice=InvoiceRef(id=invoice.id), bill_run_type=new.bill_run_type,
            method=new.payment_method, description=new.description, through_provider=False)).refund.id
    elif invoice.status is not InvoiceStatus.POSTED:
        raise Conflict(f"invoice {invoice.id} is {invoice.status.value}; payments are recorded for posted invoices")
    now = utcnow()
    row = {
        "tenant_id": tenant.tenant_id, "locator": new_locator(), "uuid": new_uuid(), "version": 1,
        "created_at": now, "updated_at": now, "invoice_id": invoice.id, "customer_id": invoice.customer_id,
        "bill_run_type": new.bill_run_type, "payment_id": payment_id, "refund_id": refund_id,
        "currency": amount.currency, "amount_minor": amount.minor, "third_party_status": new.third_party_status,
        "payment_method": new.payment_method, "description": new.description, "error_info": None,
        "paid_on": now.date(), "created_by": actor,
    }
    row["id"] = repository.insert_row(session, row)
    return InvoicePaymentView(row, PaymentStatus.POSTED if payment_id is not None else None, 0)


def record_collection(session: Session, *, tenant_id: uuid.UUID, invoice: Invoice, payment_id: int,
                      amount: Money, payment_method: PaymentMethod, third_party_status: str, description: str,
                      actor: str | None) -> int:
    """The row of a submission to a payment provider (issue 14): linked to the collection's payment, which is
    PENDING_VERIFICATION and settles nothing until the provider says the money was collected. The row then
    follows the collection (``follow_collection``); answers its id."""
    now = utcnow()
    return repository.insert_row(session, {
        "tenant_id": tenant_id, "locator": new_locator(), "uuid": new_uuid(), "version": 1, "created_at": now,
        "updated_at": now, "invoice_id": invoice.id, "customer_id": invoice.customer_id,
        "bill_run_type": invoice.bill_run_type, "payment_id": payment_id, "refund_id": None,
        "currency": amount.currency, "amount_minor": amount.minor, "third_party_status": third_party_status,
        "payment_method": payment_method, "description": description, "error_info": None, "paid_on": now.date(),
        "created_by": actor,
    })


def follow_collection(session: Session, *, tenant_id: uuid.UUID, payment_id: int, third_party_status: str,
                      error_info: str | None = None) -> None:
    """The collection's row takes the provider's latest status (and what went wrong, when it failed). The
    money follows the payment, not the row: the row shows it settled only while that payment is POSTED."""
    values: dict[str, object] = {"third_party_status": third_party_status, "updated_at": utcnow()}
    if error_info is not None:
        values["error_info"] = error_info[:255]
    repository.follow_payment(session, tenant_id, payment_id, values)


def _view(row) -> InvoicePaymentView:  # noqa: ANN001 - a row of repository._rows
    return InvoicePaymentView(row, row["payment_status"], row["payment_refunded_minor"])


def list_invoice_payments(session: Session, *, tenant_id: uuid.UUID, bill_run_type: BillRunType,
                          criteria: Criteria) -> Page:
    page = repository.page_of_rows(session, tenant_id, bill_run_type, criteria)
    page.items = [_view(row) for row in page.items]
    return page


def count_invoice_payments(session: Session, *, tenant_id: uuid.UUID, bill_run_type: BillRunType,
                           criteria: Criteria) -> int:
    return repository.count_rows(session, tenant_id, bill_run_type, criteria)


def get_invoice_payment(session: Session, *, tenant_id: uuid.UUID, bill_run_type: BillRunType,
                        row_id: int) -> InvoicePaymentView:
    """One row of the bill run type's list (404 for a row of the other list or of another tenant)."""
    row = repository.row_by_id(session, tenant_id, bill_run_type, row_id)
    if row is None:
        raise not_found("Invoice payment", row_id)
    return _view(row)
