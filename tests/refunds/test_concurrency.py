"""Concurrent refunds on PostgreSQL: never more refunded than collected, whatever the interleaving."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import Engine, func, select

from ledgerline.db import Database
from ledgerline.errors import Conflict, InvalidRequest
from ledgerline.ledger.service import verify
from ledgerline.models import Customer, Invoice, Refund
from ledgerline.models.enums import PaymentMethod, PaymentStatus
from ledgerline.kit.refs import CustomerRef, InvoiceRef
from ledgerline.refunds.service import NewRefund, refund
from ledgerline.tenants.context import TenantContext
from tests import payment_calls as payments
from tests.payments.test_concurrency import (  # noqa: F401 - wide_engine is a fixture
    BASE_DAY, _committed, _new_customer, _new_invoice, _new_tenant, wide_engine,
)

REFUNDERS = 16


def test_concurrent_refunds_never_return_more_than_was_collected(wide_engine: Engine) -> None:
    """16 threads each refund 10.00 of a 100.00 invoice payment and 16 refund 10.00 of a 100.00
    overpayment, while two try to cancel the payments: exactly 10 of each kind can succeed, and a
    payment is either cancelled before any of its money was refunded or not at all."""
    db = Database(wide_engine)
    tenant_id = _new_tenant(db)
    customer_id = _new_customer(db, tenant_id, "Refunded")
    invoice_id = _new_invoice(db, tenant_id, customer_id, 10_000, BASE_DAY)
    on_invoice = _committed(db, lambda s: payments.create_payment(
        s, tenant_id=tenant_id, customer_id=customer_id, amount_minor=10_000, payment_method=PaymentMethod.CHEQUE,
        status=PaymentStatus.POSTED, invoices_to_pay=[invoice_id]).id)
    as_credit = _committed(db, lambda s: payments.create_payment(
        s, tenant_id=tenant_id, customer_id=customer_id, amount_minor=10_000, payment_method=PaymentMethod.CHEQUE,
        status=PaymentStatus.POSTED).id)
    start = threading.Barrier(2 * REFUNDERS + 2)

    def attempt(work) -> str:  # noqa: ANN001
        start.wait(10)
        try:
            _committed(db, work)
            return "done"
        except (InvalidRequest, Conflict) as refused:
            return type(refused).__name__

    tenant = TenantContext(tenant_id=tenant_id, version=1)
    on_invoice_refund = NewRefund(amount=Decimal("10.00"), invoice=InvoiceRef(id=invoice_id))
    on_credit_refund = NewRefund(amount=Decimal("10.00"), customer=CustomerRef(id=customer_id))
    jobs = [lambda s: refund(s, tenant=tenant, new=on_invoice_refund)] * REFUNDERS
    jobs += [lambda s: refund(s, tenant=tenant, new=on_credit_refund)] * REFUNDERS
    jobs += [lambda s, p=p: payments.cancel_payment(s, tenant_id=tenant_id, payment_id=p)
             for p in (on_invoice, as_credit)]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        outcomes = list(pool.map(attempt, jobs))
    invoice_refunds, credit_refunds, cancels = outcomes[:REFUNDERS], outcomes[REFUNDERS:-2], outcomes[-2:]
    assert set(outcomes) <= {"done", "InvalidRequest", "Conflict"}
    with db.session(write=False) as s:
        refunded = dict(s.execute(select(Refund.invoice_id.is_(None), func.sum(Refund.amount_minor))
                                  .where(Refund.tenant_id == tenant_id).group_by(Refund.invoice_id.is_(None))).all())
        invoice = s.get(Invoice, invoice_id)
        customer = s.get(Customer, customer_id)
        # Cancelled payments leave nothing to refund; otherwise exactly what they collected was refunded.
        expected_invoice = 0 if cancels[0] == "done" else 10_000
        expected_credit = 0 if cancels[1] == "done" else 10_000
        assert refunded.get(False, 0) == 1_000 * invoice_refunds.count("done") == expected_invoice
        assert refunded.get(True, 0) == 1_000 * credit_refunds.count("done") == expected_credit
        assert invoice.refunded_minor == expected_invoice and invoice.outstanding_minor == 10_000
        assert customer.credit_minor == 0
        assert verify(s, tenant_id) == []
