"""Concurrent redemptions and spending of credit on PostgreSQL: the row locks let exactly what fits through."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import Engine, func, select

from ledgerline.adjustments.service import NewAdjustment, adjust_balance
from ledgerline.db import Database
from ledgerline.errors import Conflict, InvalidRequest
from ledgerline.gift_certificates.service import create_certificate
from ledgerline.kit.refs import CustomerRef, PaymentRef
from ledgerline.ledger.service import verify
from ledgerline.models import Customer, GiftCertificate, GiftCertificateRedemption
from ledgerline.models.enums import PaymentMethod
from ledgerline.payments import service
from ledgerline.payments.values import CreditApplication, GiftCertificateRedemption as Redeem, NewPayment
from ledgerline.tenants.context import TenantContext
from tests.payment_calls import tenant_context
from tests.payments.test_concurrency import (  # noqa: F401 - wide_engine is a fixture
    BASE_DAY, _committed, _new_customer, _new_invoice, _new_tenant, wide_engine,
)


def _race(db: Database, jobs) -> list[str]:  # noqa: ANN001
    start = threading.Barrier(len(jobs))

    def attempt(work) -> str:  # noqa: ANN001
        start.wait(10)
        try:
            _committed(db, work)
            return "done"
        except (InvalidRequest, Conflict) as refused:
            return type(refused).__name__

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(attempt, jobs))


def _redeem(tenant: TenantContext, customer_id: int, code: str, amount: str):  # noqa: ANN202
    return lambda s: service.record_payment(s, tenant=tenant, new=NewPayment(
        customer=CustomerRef(id=customer_id), amount=Decimal("0"), payment_method=PaymentMethod.OTHER, post=True,
        gift_certificates=(Redeem(code, Decimal(amount)),)))


def test_a_certificate_redeemed_twice_at_once_lets_only_one_through(wide_engine: Engine) -> None:
    """Two customers (so no customer lock orders them) redeem 40.00 of a 50.00 certificate at the same moment."""
    db = Database(wide_engine)
    tenant_id = _new_tenant(db)
    tenant = _committed(db, lambda s: tenant_context(s, tenant_id))
    customers = [_new_customer(db, tenant_id, name) for name in ("First", "Second")]
    for customer_id in customers:
        _new_invoice(db, tenant_id, customer_id, 10_000, BASE_DAY)
    certificate_id = _committed(db, lambda s: create_certificate(s, tenant_id=tenant_id, code="RACE", currency="GBP",
                                                                 amount=Decimal("50.00")).id)
    for _ in range(3):  # a few rounds: each must let exactly one through
        outcomes = _race(db, [_redeem(tenant, customer_id, "RACE", "40.00") for customer_id in customers])
        assert sorted(outcomes) == ["InvalidRequest", "done"]
        with db.session(write=False) as s:
            assert s.get(GiftCertificate, certificate_id).balance_minor == 1000
            assert verify(s, tenant_id) == []
        redeemed = _committed(db, lambda s: s.execute(select(GiftCertificateRedemption.payment_id).where(
            GiftCertificateRedemption.gift_certificate_id == certificate_id,
            GiftCertificateRedemption.reversed_at.is_(None))).scalar_one())
        _committed(db, lambda s, p=redeemed: service.cancel_payment(s, tenant=tenant, payment=PaymentRef(id=p)))


def test_many_redemptions_and_cancellations_at_once_never_overdraw(wide_engine: Engine) -> None:
    """Twelve 10.00 redemptions of a 50.00 certificate race: five succeed, and the books agree."""
    db = Database(wide_engine)
    tenant_id = _new_tenant(db)
    tenant = _committed(db, lambda s: tenant_context(s, tenant_id))
    customers = [_new_customer(db, tenant_id, f"C{n}") for n in range(4)]
    for customer_id in customers:
        _new_invoice(db, tenant_id, customer_id, 10_000, BASE_DAY)
    certificate_id = _committed(db, lambda s: create_certificate(s, tenant_id=tenant_id, code="MANY", currency="GBP",
                                                                 amount=Decimal("50.00")).id)
    outcomes = _race(db, [_redeem(tenant, customers[n % 4], "MANY", "10.00") for n in range(12)])
    assert outcomes.count("done") == 5 and set(outcomes) == {"done", "InvalidRequest"}
    with db.session(write=False) as s:
        assert s.get(GiftCertificate, certificate_id).balance_minor == 0
        assert verify(s, tenant_id) == []


def test_credit_spent_twice_at_once_is_spent_once(wide_engine: Engine) -> None:
    """The customer lock serializes spending: of two payments spending the same 30.00 of credit, one is refused."""
    db = Database(wide_engine)
    tenant_id = _new_tenant(db)
    tenant = _committed(db, lambda s: tenant_context(s, tenant_id))
    customer_id = _new_customer(db, tenant_id, "Spender")
    _committed(db, lambda s: adjust_balance(s, tenant=tenant, new=NewAdjustment(
        customer=CustomerRef(id=customer_id), amount=Decimal("30.00"))))
    _new_invoice(db, tenant_id, customer_id, 5_000, BASE_DAY)
    _new_invoice(db, tenant_id, customer_id, 5_000, BASE_DAY)
    spend = lambda s: service.record_payment(s, tenant=tenant, new=NewPayment(  # noqa: E731
        customer=CustomerRef(id=customer_id), amount=Decimal("0"), payment_method=PaymentMethod.OTHER, post=True,
        credit_applied=(CreditApplication(Decimal("30.00")),)))
    outcomes = _race(db, [spend, spend])
    assert sorted(outcomes) == ["InvalidRequest", "done"]
    with db.session(write=False) as s:
        assert s.get(Customer, customer_id).credit_minor == 0
        assert verify(s, tenant_id) == []
