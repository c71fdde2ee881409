"""Concurrent invoice payments on PostgreSQL: collected money never pays more than is owed, money a provider
did not collect never settles, and money returned never exceeds what was collected."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import Engine, func, select

from ledgerline.db import Database
from ledgerline.errors import Conflict, InvalidRequest
from ledgerline.invoice_payments.service import record_invoice_payment
from ledgerline.invoice_payments.values import NewInvoicePayment
from ledgerline.kit.refs import InvoiceRef
from ledgerline.ledger.service import verify
from ledgerline.models import Invoice, InvoicePayment, Payment, Refund
from ledgerline.models.enums import BillRunType, PaymentMethod
from tests.payment_calls import tenant_context
from tests.payments.test_concurrency import (  # noqa: F401 - wide_engine is a fixture
    BASE_DAY, _committed, _new_customer, _new_invoice, _new_tenant, wide_engine,
)

WORKERS = 8


def _race(db: Database, tenant, new: NewInvoicePayment, count: int) -> list[str]:
    start = threading.Barrier(count)

    def attempt(_: int) -> str:
        start.wait(10)
        try:
            _committed(db, lambda s: record_invoice_payment(s, tenant=tenant, new=new))
            return "done"
        except (InvalidRequest, Conflict) as refused:
            return type(refused).__name__

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(attempt, range(count)))


def test_concurrent_invoice_payments_settle_only_collected_money_and_return_no_more_than_it(wide_engine: Engine):
    """8 collected 10.00 payments and 8 FAILED ones race for a 50.00 invoice: 5 collected ones settle it, the
    rest are 409, every FAILED one is a row that moves nothing. Then 8 returns of 10.00 race: 5 succeed."""
    db = Database(wide_engine)
    tenant_id = _new_tenant(db)
    customer_id = _new_customer(db, tenant_id, "Raced")
    invoice_id = _new_invoice(db, tenant_id, customer_id, 5_000, BASE_DAY)
    tenant = _committed(db, lambda s: tenant_context(s, tenant_id))

    def of(amount: str, status: str) -> NewInvoicePayment:
        return NewInvoicePayment(invoice=InvoiceRef(id=invoice_id), bill_run_type=BillRunType.NORMAL,
                                 amount=Decimal(amount), payment_method=PaymentMethod.BACS, third_party_status=status)

    with ThreadPoolExecutor(max_workers=2) as pool:
        collected, failed = pool.map(lambda new: _race(db, tenant, new, WORKERS),
                                     [of("10.00", "PAID_OUT"), of("10.00", "FAILED")])
    assert sorted(collected) == ["Conflict"] * 3 + ["done"] * 5 and failed == ["done"] * WORKERS
    returned = _race(db, tenant, of("-10.00", "MANUALLY_PAID"), WORKERS)
    assert sorted(returned) == ["InvalidRequest"] * 3 + ["done"] * 5
    with db.session(write=False) as s:
        rows = s.execute(select(InvoicePayment.payment_id.is_not(None), InvoicePayment.refund_id.is_not(None),
                                func.count()).where(InvoicePayment.tenant_id == tenant_id)
                         .group_by(InvoicePayment.payment_id.is_not(None), InvoicePayment.refund_id.is_not(None))).all()
        assert sorted(rows) == [(False, False, WORKERS), (False, True, 5), (True, False, 5)]
        assert s.execute(select(func.sum(Payment.amount_minor)).where(Payment.tenant_id == tenant_id)).scalar() == 5_000
        assert s.execute(select(func.sum(Refund.amount_minor)).where(Refund.tenant_id == tenant_id)).scalar() == 5_000
        assert s.get(Invoice, invoice_id).outstanding_minor == 5_000
        assert verify(s, tenant_id) == []
