"""Invoice payment events (Elevate ``POST /invoice-payment-events``): dispute, write off, or undo either.

- ``DISPUTED``: the invoice's payment status is DISPUTED; no money moves (the next money change of the
  invoice recomputes its status).
- ``WRITTEN_OFF``: a ``writeOff`` credit settles ``amount`` (default: all that is outstanding).
- ``UNPAID`` (undo): a disputed invoice gets its status back; else the invoice's latest live write-off is
  reversed, so it owes again what that settled.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from ledgerline.credits import service as credits
from ledgerline.errors import Conflict, InvalidRequest
from ledgerline.invoices import service as invoices
from ledgerline.kit.refs import CreditRef, CustomerRef, InvoiceRef
from ledgerline.models import Invoice
from ledgerline.models.enums import BillRunType, InvoicePaymentStatus, InvoiceStatus
from ledgerline.providers import repository
from ledgerline.tenants.context import TenantContext

EVENTS = (InvoicePaymentStatus.DISPUTED, InvoicePaymentStatus.WRITTEN_OFF, InvoicePaymentStatus.UNPAID)


@dataclass(frozen=True)
class InvoicePaymentEvent:
    invoice_id: int
    customer_id: int
    bill_run_type: BillRunType
    payment_status: InvoicePaymentStatus
    notes: str | None = None
    amount: Decimal | None = None


def _locked(session: Session, tenant: TenantContext, event: InvoicePaymentEvent) -> Invoice:
    invoice = invoices.lock_invoice_and_customer(session, tenant.tenant_id, event.invoice_id, field="invoice")
    if invoice.customer_id != event.customer_id:
        raise InvalidRequest.for_field("customer", f"invoice {invoice.id} is not an invoice of customer "
                                                   f"{event.customer_id}")
    if invoice.bill_run_type is not event.bill_run_type:
        raise InvalidRequest.for_field("bill_run_type", f"invoice {invoice.id} is a {invoice.bill_run_type.value} "
                                                        f"invoice, not {event.bill_run_type.value}")
    if invoice.status is not InvoiceStatus.POSTED:
        raise Conflict(f"invoice {invoice.id} is {invoice.status.value}; only a POSTED invoice takes payment events")
    return invoice


def record_invoice_payment_event(session: Session, *, tenant: TenantContext, event: InvoicePaymentEvent,
                                 actor: str | None = None) -> Invoice:
    if event.payment_status not in EVENTS:
        raise InvalidRequest.for_field("payment_status", "must be DISPUTED, WRITTEN_OFF or UNPAID (undo)")
    invoice = _locked(session, tenant, event)
    if event.payment_status is InvoicePaymentStatus.DISPUTED:
        if invoice.outstanding_minor == 0:
            raise Conflict(f"invoice {invoice.id} owes nothing; there is nothing to dispute")
        repository.set_invoice_payment_status(session, tenant.tenant_id, invoice.id, InvoicePaymentStatus.DISPUTED)
    elif event.payment_status is InvoicePaymentStatus.WRITTEN_OFF:
        if event.amount is not None and event.amount <= 0:
            raise InvalidRequest.for_field("amount", "must be greater than zero")
        credits.write_off(session, tenant=tenant, actor=actor, new=credits.NewWriteOff(
            targets=(credits.WriteOffTarget(InvoiceRef(id=invoice.id), event.amount),),
            customer=CustomerRef(id=invoice.customer_id), description=event.notes))
    elif invoice.payment_status is InvoicePaymentStatus.DISPUTED:
        invoices.refresh_payment_status(invoice)
        session.flush()
    else:
        credit_id = repository.latest_live_write_off_of_invoice(session, tenant.tenant_id, invoice.id)
        if credit_id is None:
            raise Conflict(f"invoice {invoice.id} is neither disputed nor written off; there is nothing to undo")
        credits.reverse_write_off(session, tenant=tenant, credit=CreditRef(id=credit_id), actor=actor,
                                  reason=event.notes or "undone by an invoice payment event")
    session.refresh(invoice)
    return invoice
