"""Customer credit spent and gift certificates redeemed by payments (issue 12 items 6-7), on a real session:
credit distributions in the ledger, bounds, cancellation restoring both, and ``verify`` clean throughout."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from ledgerline.adjustments.service import NewAdjustment, adjust_balance
from ledgerline.customers.service import create_customer
from ledgerline.errors import Conflict, InvalidRequest
from ledgerline.gift_certificates.service import create_certificate, update_certificate
from ledgerline.invoices.service import create_invoice
from ledgerline.kit.refs import CustomerRef, InvoiceRef, PaymentRef
from ledgerline.ledger.repository import balance_of
from ledgerline.ledger.service import verify
from ledgerline.models import Credit, CreditTarget, GiftCertificateRedemption, JournalEntry
from ledgerline.models.enums import (
    CreditState, CreditType, GiftCertificateStatus, InvoicePaymentStatus, InvoiceStatus, JournalKind, PaymentMethod,
    PaymentStatus,
)
from ledgerline.payments import service
from ledgerline.payments.values import CreditApplication, GiftCertificateRedemption as Redeem, NewPayment
from tests.payment_calls import tenant_context


@pytest.fixture
def customer(session, tenant_id):
    return create_customer(session, tenant_id=tenant_id, name="Jane", currency="GBP")


@pytest.fixture
def ctx(session, tenant_id):
    return tenant_context(session, tenant_id)


def invoice(session, tenant_id, customer, minor, day=1):
    return create_invoice(session, tenant_id=tenant_id, customer_id=customer.id, total_minor=minor,
                          issue_date=dt.date(2026, 1, day), status=InvoiceStatus.POSTED)


def pay(session, ctx, customer, cash="0", *, credit=(), gifts=(), invoices=(), post=True):
    return service.record_payment(session, tenant=ctx, new=NewPayment(
        customer=CustomerRef(id=customer.id), amount=Decimal(cash), payment_method=PaymentMethod.CHEQUE, post=post,
        intended_invoices=tuple(InvoiceRef(id=i.id) for i in invoices),
        credit_applied=tuple(c if isinstance(c, CreditApplication) else CreditApplication(Decimal(c)) for c in credit),
        gift_certificates=tuple(Redeem(code, Decimal(amount)) for code, amount in gifts)))


def certificate(session, tenant_id, code="GIFT-1", amount="50.00", **extra):
    return create_certificate(session, tenant_id=tenant_id, code=code, currency=extra.pop("currency", "GBP"),
                              amount=Decimal(amount), **extra)


def field_of(error: InvalidRequest) -> str:
    return error.errors[0].field


def test_credit_of_an_overpayment_is_spent_on_a_later_invoice_as_a_credit_distribution(session, tenant_id, customer,
                                                                                     ctx):
    first = pay(session, ctx, customer, "80.00")
    assert customer.credit_minor == 8000
    owed = invoice(session, tenant_id, customer, 5000)
    spent = pay(session, ctx, customer, credit=["30.00"], invoices=[owed])
    assert spent.payment["amount_minor"] == 0 and spent.payment["credit_applied_minor"] == 3000
    assert spent.total_applied.minor == 3000 and spent.allocations == ()
    (applied,) = spent.credit_applied
    assert applied.amount.minor == 3000 and [(i.invoice_id, i.amount.minor) for i in applied.invoices] == [(owed.id, 3000)]
    session.refresh(owed), session.refresh(customer)
    assert (owed.outstanding_minor, owed.payment_status) == (2000, InvoicePaymentStatus.PARTIALLY_PAID)
    assert customer.credit_minor == 5000
    assert balance_of(session, tenant_id, customer.id) == 5000 - 2000
    credit = session.get(Credit, applied.credit_id)
    assert (credit.type, credit.state, credit.payment_id, credit.amount_minor) == (
        CreditType.CREDIT_DISTRIBUTION, CreditState.EXECUTED, spent.id, 3000)
    kinds = session.execute(select(JournalEntry.kind, JournalEntry.credit_delta, JournalEntry.outstanding_delta)
                            .where(JournalEntry.payment_id == spent.id).order_by(JournalEntry.id)).all()
    assert (JournalKind.CREDIT_DISTRIBUTED, -3000, -3000) in kinds
    # What a surface reads back is what the use case answered.
    (view,) = service.views(session, tenant_id=tenant_id, payments=[spent.payment])
    assert view.credit_applied == spent.credit_applied
    assert service.views(session, tenant_id=tenant_id, payments=[first.payment])[0].credit_applied == ()
    assert verify(session, tenant_id) == []


def test_never_more_than_the_available_credit(session, tenant_id, customer, ctx):
    pay(session, ctx, customer, "20.00")
    owed = invoice(session, tenant_id, customer, 5000)
    with pytest.raises(InvalidRequest) as refused:
        pay(session, ctx, customer, "10.00", credit=["15.00", "5.01"], invoices=[owed])
    assert field_of(refused.value) == "credit_applied[1].amount" and "available credit (5.00)" in str(
        refused.value.errors[0].message)
    with pytest.raises(InvalidRequest) as refused:
        pay(session, ctx, customer, credit=["0.00"], invoices=[owed])
    assert field_of(refused.value) == "credit_applied[0].amount"
    assert verify(session, tenant_id) == []


def test_spent_credit_must_settle_something(session, tenant_id, customer, ctx):
    pay(session, ctx, customer, "90.00")
    owed = invoice(session, tenant_id, customer, 4000)
    with pytest.raises(InvalidRequest) as refused:
        pay(session, ctx, customer, credit=["40.01"], invoices=[owed])
    assert field_of(refused.value) == "credit_applied[0].amount"


def test_credit_then_certificates_then_cash_settle_intended_then_oldest_first(session, tenant_id, customer, ctx):
    adjust_balance(session, tenant=ctx, new=NewAdjustment(customer=CustomerRef(id=customer.id), amount=Decimal("25")))
    older = invoice(session, tenant_id, customer, 3000, day=1)
    meant = invoice(session, tenant_id, customer, 2000, day=5)
    certificate(session, tenant_id, "GIFT-1", "40.00")
    paid = pay(session, ctx, customer, "10.00", credit=["25.00"], gifts=[("GIFT-1", "15.00")], invoices=[meant])
    (spent,) = paid.credit_applied
    (redeemed,) = paid.gift_certificate_applied
    assert [(i.invoice_id, i.amount.minor) for i in spent.invoices] == [(meant.id, 2000), (older.id, 500)]
    assert [(i.invoice_id, i.amount.minor) for i in redeemed.invoices] == [(older.id, 1500)]
    assert (redeemed.code, redeemed.amount.minor) == ("GIFT-1", 1500)
    assert [(a.invoice_id, a.amount.minor) for a in paid.allocations] == [(older.id, 1000)]
    session.refresh(older), session.refresh(meant), session.refresh(customer)
    assert older.outstanding_minor == meant.outstanding_minor == 0 and customer.credit_minor == 0
    assert paid.total_applied.minor == 5000 and paid.balance_after.minor == 0
    assert verify(session, tenant_id) == []


def test_a_payment_of_certificates_alone_has_no_cash_and_no_payment_credit(session, tenant_id, customer, ctx):
    owed = invoice(session, tenant_id, customer, 3000)
    gift = certificate(session, tenant_id, "GIFT-9", "30.00")
    paid = pay(session, ctx, customer, gifts=[("GIFT-9", "30.00")])
    assert paid.payment["status"] is PaymentStatus.POSTED and paid.payment["tenders"] == []
    assert paid.payment["gift_applied_minor"] == 3000
    session.refresh(owed), session.refresh(gift)
    assert owed.payment_status is InvoicePaymentStatus.PAID and gift.balance_minor == 0
    types = session.execute(select(Credit.type).where(Credit.payment_id == paid.id)).scalars().all()
    assert types == [CreditType.CREDIT_DISTRIBUTION]
    assert verify(session, tenant_id) == []


def test_cancelling_restores_the_credit_the_certificate_and_the_invoices(session, tenant_id, customer, ctx):
    pay(session, ctx, customer, "30.00")
    owed = invoice(session, tenant_id, customer, 6000)
    gift = certificate(session, tenant_id, "GIFT-2", "50.00")
    paid = pay(session, ctx, customer, "5.00", credit=["30.00"], gifts=[("GIFT-2", "20.00")])
    session.refresh(owed), session.refresh(gift), session.refresh(customer)
    assert (owed.outstanding_minor, gift.balance_minor, customer.credit_minor) == (500, 3000, 0)
    cancelled = service.cancel_payment(session, tenant=ctx, payment=PaymentRef(id=paid.id))
    assert cancelled.payment["status"] is PaymentStatus.CANCELLED
    session.refresh(owed), session.refresh(gift), session.refresh(customer)
    assert (owed.outstanding_minor, owed.payment_status) == (6000, InvoicePaymentStatus.UNPAID)
    assert gift.balance_minor == 5000 and customer.credit_minor == 3000
    states = session.execute(select(Credit.state).where(Credit.payment_id == paid.id)).scalars().all()
    assert set(states) == {CreditState.REVERSED}
    redemption = session.execute(select(GiftCertificateRedemption)
                                 .where(GiftCertificateRedemption.payment_id == paid.id)).scalar_one()
    assert redemption.reversed_at is not None
    view = service.payment(session, tenant_id=tenant_id, payment=PaymentRef(id=paid.id))
    assert view.credit_applied == () and view.gift_certificate_applied == ()
    assert verify(session, tenant_id) == []
    # The certificate's money can be redeemed again, the credit spent again.
    again = pay(session, ctx, customer, credit=["30.00"], gifts=[("GIFT-2", "30.00")])
    assert again.total_applied.minor == 6000
    assert verify(session, tenant_id) == []


def test_a_payment_whose_credit_was_spent_cannot_be_cancelled(session, tenant_id, customer, ctx):
    source = pay(session, ctx, customer, "40.00")
    owed = invoice(session, tenant_id, customer, 4000)
    pay(session, ctx, customer, credit=["40.00"], invoices=[owed])
    with pytest.raises(Conflict):
        service.cancel_payment(session, tenant=ctx, payment=PaymentRef(id=source.id))
    assert verify(session, tenant_id) == []


def test_a_named_credit_is_drawn_on_up_to_what_is_left_of_it(session, tenant_id, customer, ctx):
    source = pay(session, ctx, customer, "30.00")
    pay(session, ctx, customer, "50.00")
    payment_credit = session.execute(select(Credit).where(Credit.payment_id == source.id,
                                                          Credit.type == CreditType.PAYMENT)).scalar_one()
    owed = invoice(session, tenant_id, customer, 9000)
    named = CreditApplication(Decimal("20.00"), credit=str(payment_credit.id))
    paid = pay(session, ctx, customer, credit=[named])
    assert paid.credit_applied[0].source_credit_id == payment_credit.id
    by_locator = CreditApplication(Decimal("10.01"), credit=payment_credit.locator)
    with pytest.raises(InvalidRequest) as refused:
        pay(session, ctx, customer, credit=[by_locator])
    assert field_of(refused.value) == "credit_applied[0].amount" and "(10.00)" in refused.value.errors[0].message
    with pytest.raises(InvalidRequest) as refused:
        pay(session, ctx, customer, credit=[CreditApplication(Decimal("1.00"), credit="999999")])
    assert field_of(refused.value) == "credit_applied[0].credit"
    pay(session, ctx, customer, credit=[CreditApplication(Decimal("10.00"), credit=payment_credit.locator)])
    session.refresh(owed)
    assert owed.outstanding_minor == 6000
    assert verify(session, tenant_id) == []


@pytest.mark.parametrize(("setup", "redeem", "field", "words"), [
    ({}, ("NOPE", "1.00"), "gift_certificates[0].code", "no gift certificate"),
    ({"status": "INACTIVE"}, ("GIFT-1", "1.00"), "gift_certificates[0].code", "not active"),
    ({"expired": True}, ("GIFT-1", "1.00"), "gift_certificates[0].code", "expired"),
    ({"currency": "EUR"}, ("GIFT-1", "1.00"), "gift_certificates[0].code", "in EUR"),
    ({"other_customer": True}, ("GIFT-1", "1.00"), "gift_certificates[0].code", "another customer"),
    ({}, ("GIFT-1", "50.01"), "gift_certificates[0].amount", "balance (50.00)"),
    ({}, ("GIFT-1", "0"), "gift_certificates[0].amount", "greater than zero"),
])
def test_a_certificate_is_redeemed_only_within_its_rules(session, tenant_id, customer, ctx, setup, redeem, field,
                                                         words):
    invoice(session, tenant_id, customer, 10000)
    extra = {}
    if setup.get("other_customer"):
        extra["customer_id"] = create_customer(session, tenant_id=tenant_id, name="Other", currency="GBP").id
    gift = certificate(session, tenant_id, "GIFT-1", "50.00", currency=setup.get("currency", "GBP"), **extra)
    if setup.get("status"):
        update_certificate(session, certificate=gift, changes={"status": GiftCertificateStatus.INACTIVE})
    if setup.get("expired"):
        gift.expires_on = dt.date.today() - dt.timedelta(days=1)
        session.flush()
    with pytest.raises(InvalidRequest) as refused:
        pay(session, ctx, customer, gifts=[redeem])
    assert field_of(refused.value) == field and words in refused.value.errors[0].message
    session.refresh(gift)
    assert gift.balance_minor == 5000


def test_a_certificate_is_redeemed_on_its_expiry_day_and_one_code_twice_draws_one_balance(session, tenant_id,
                                                                                      customer, ctx):
    invoice(session, tenant_id, customer, 10000)
    certificate(session, tenant_id, "GIFT-1", "50.00", expires_on=dt.date.today())
    with pytest.raises(InvalidRequest) as refused:
        pay(session, ctx, customer, gifts=[("GIFT-1", "30.00"), ("GIFT-1", "20.01")])
    assert field_of(refused.value) == "gift_certificates[1].amount"
    paid = pay(session, ctx, customer, gifts=[("GIFT-1", "30.00"), ("GIFT-1", "20.00")])
    assert [g.amount.minor for g in paid.gift_certificate_applied] == [3000, 2000]
    assert verify(session, tenant_id) == []


def test_redemptions_one_after_the_other_where_only_one_fits(session, tenant_id, customer, ctx):
    """The sequential equivalent of the PostgreSQL race (tests/gift_certificates/test_concurrency.py)."""
    invoice(session, tenant_id, customer, 10000)
    other = create_customer(session, tenant_id=tenant_id, name="Other", currency="GBP")
    invoice(session, tenant_id, other, 10000)
    gift = certificate(session, tenant_id, "GIFT-1", "50.00")
    pay(session, ctx, customer, gifts=[("GIFT-1", "40.00")])
    with pytest.raises(InvalidRequest):
        pay(session, ctx, other, gifts=[("GIFT-1", "40.00")])
    session.refresh(gift)
    assert gift.balance_minor == 1000
    assert verify(session, tenant_id) == []


def test_a_draft_cannot_carry_credit_or_certificates(session, tenant_id, customer, ctx):
    pay(session, ctx, customer, "10.00")
    with pytest.raises(InvalidRequest) as refused:
        pay(session, ctx, customer, "5.00", credit=["5.00"], post=False)
    assert field_of(refused.value) == "credit_applied"


def test_pay_invoice_with_credit_pays_the_rest_in_cash(session, tenant_id, customer, ctx):
    pay(session, ctx, customer, "15.00")
    owed = invoice(session, tenant_id, customer, 4000)
    paid = service.pay_invoice(session, tenant=ctx, invoice=InvoiceRef(id=owed.id), payment_method=PaymentMethod.CHEQUE,
                               credit_applied=(CreditApplication(Decimal("15.00")),))
    assert paid.payment["amount_minor"] == 2500 and paid.total_applied.minor == 4000
    session.refresh(owed)
    assert owed.outstanding_minor == 0
    covered = invoice(session, tenant_id, customer, 1000, day=2)
    certificate(session, tenant_id, "GIFT-3", "10.00")
    paid = service.pay_invoice(session, tenant=ctx, invoice=InvoiceRef(id=covered.id),
                               payment_method=PaymentMethod.CHEQUE,
                               gift_certificates=(Redeem("GIFT-3", Decimal("10.00")),))
    assert paid.payment["amount_minor"] == 0 and paid.gift_certificate_applied[0].amount.minor == 1000
    assert session.execute(select(CreditTarget.invoice_id).where(
        CreditTarget.credit_id == paid.gift_certificate_applied[0].credit_id)).scalar_one() == covered.id
    assert verify(session, tenant_id) == []


def test_verify_catches_a_certificate_balance_or_a_distribution_that_disagrees(session, tenant_id, customer, ctx):
    from sqlalchemy import update

    from ledgerline.models import GiftCertificate

    pay(session, ctx, customer, "20.00")
    invoice(session, tenant_id, customer, 5000)
    gift = certificate(session, tenant_id, "GIFT-V", "30.00")
    paid = pay(session, ctx, customer, credit=["20.00"], gifts=[("GIFT-V", "10.00")])
    assert verify(session, tenant_id) == []
    session.execute(update(GiftCertificate).where(GiftCertificate.id == gift.id).values(balance_minor=2500))
    assert [m.what for m in verify(session, tenant_id)] == ["gift certificate balance"]
    session.execute(update(GiftCertificate).where(GiftCertificate.id == gift.id).values(balance_minor=2000))
    spent = paid.credit_applied[0].credit_id
    session.execute(update(Credit).where(Credit.id == spent).values(state=CreditState.REVERSED))
    assert [m.what for m in verify(session, tenant_id)] == ["credit distribution journal"]
    session.execute(update(Credit).where(Credit.id == spent).values(state=CreditState.EXECUTED, amount_minor=1999))
    assert {m.what for m in verify(session, tenant_id)} == {"credit distribution targets", "credit distribution journal"}
    session.execute(update(Credit).where(Credit.id == spent).values(amount_minor=2000))
    redeemed = paid.gift_certificate_applied[0].credit_id
    session.execute(update(Credit).where(Credit.id == redeemed).values(state=CreditState.REVERSED))
    assert "gift certificate redemption" in {m.what for m in verify(session, tenant_id)}
