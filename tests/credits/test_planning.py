"""Write-off and reversal planning on a snapshot, without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from ledgerline.credits.planning import (
    CreditRecord, PlannedTarget, TargetRecord, check_reversible, plan_reversal, plan_write_off,
)
from ledgerline.errors import Conflict, InvalidRequest
from ledgerline.kit.money import Money
from ledgerline.ledger.snapshot import CustomerMoney, InvoiceMoney
from ledgerline.models.enums import (
    BillRunType, CreditState, CreditType, InvoicePaymentStatus, InvoiceStatus, JournalKind,
)

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
CUSTOMER = CustomerMoney(id=7, locator="ACCOUNT", currency="GBP", credit_minor=0, owed_minor=10_000)


def invoice(invoice_id: int, owed: int, *, total: int | None = None, customer_id: int = 7,
            status: InvoiceStatus = InvoiceStatus.POSTED) -> InvoiceMoney:
    return InvoiceMoney(id=invoice_id, locator=f"I{invoice_id}", customer_id=customer_id,
                        bill_run_type=BillRunType.NORMAL, status=status, currency="GBP",
                        total_minor=owed if total is None else total, outstanding_minor=owed)


def target(found: InvoiceMoney | None, amount: int | None = None) -> PlannedTarget:
    return PlannedTarget("x", found, None if amount is None else Money(amount, "GBP"))


def write_off(*targets: PlannedTarget):  # noqa: ANN201
    return plan_write_off(CUSTOMER, targets, locator="CREDIT", now=NOW, description="bad debt", created_by="ops")


def test_a_write_off_settles_its_targets_in_order_and_all_that_is_owed_by_default():
    plan = write_off(target(invoice(1, 4_000)), target(invoice(2, 6_000), 2_500))
    assert (plan.credit.type, plan.credit.state, plan.credit.amount_minor) == (CreditType.WRITE_OFF,
                                                                               CreditState.POSTED, 6_500)
    assert plan.credit.id is None and plan.credit.realized_at == NOW and plan.credit.created_by == "ops"
    assert plan.targets == (TargetRecord(1, 4_000), TargetRecord(2, 2_500))
    assert [(i.outstanding_minor, i.written_off_minor, i.payment_status) for i in plan.invoices] == [
        (0, 4_000, InvoicePaymentStatus.WRITTEN_OFF), (3_500, 2_500, InvoicePaymentStatus.PARTIALLY_PAID)]
    assert plan.customer.balance == Money(-3_500, "GBP")
    assert [(line.kind, line.balance, line.outstanding, line.invoice_id) for line in plan.lines] == [
        (JournalKind.WRITE_OFF, 4_000, -4_000, 1), (JournalKind.WRITE_OFF, 2_500, -2_500, 2)]


@pytest.mark.parametrize(("targets", "field"), [
    ((), "targets"),
    ((target(None),), "targets[0].invoice"),
    ((target(invoice(1, 100)), target(invoice(2, 100, customer_id=8))), "targets[1].invoice"),
    ((target(invoice(1, 100), 101),), "targets[0].amount"),
    ((target(invoice(1, 100)), target(invoice(2, 100), 0)), "targets[1].amount"),
    ((target(invoice(1, 100)), target(invoice(1, 100))), "targets"),
])
def test_bad_targets_are_refused_naming_the_domain_field(targets, field):
    with pytest.raises(InvalidRequest) as refused:
        write_off(*targets)
    assert refused.value.errors[0].field == field


def test_the_limit_is_named_in_the_invoices_currency():
    with pytest.raises(InvalidRequest, match=r"owes \(1\.00\)"):
        write_off(target(invoice(1, 100), 101))


@pytest.mark.parametrize("found", [invoice(1, 0, total=100), invoice(1, 0, status=InvoiceStatus.DRAFT)])
def test_an_invoice_that_owes_nothing_is_a_conflict(found):
    with pytest.raises(Conflict, match="nothing to write off"):
        write_off(target(found))


def test_a_reversal_makes_the_invoices_owe_again_what_it_settled():
    written = write_off(target(invoice(1, 4_000)), target(invoice(2, 6_000), 2_500))
    credit = CreditRecord(**{**written.credit.__dict__, "id": 5})
    customer = CustomerMoney(id=7, locator="ACCOUNT", currency="GBP", credit_minor=0, owed_minor=3_500)
    plan = plan_reversal(customer, credit, list(zip(written.targets, written.invoices)), reason="in error", now=NOW)
    assert (plan.credit.state, plan.credit.reversal_reason, plan.credit.reversed_at) == (CreditState.REVERSED,
                                                                                         "in error", NOW)
    assert [(i.outstanding_minor, i.written_off_minor, i.payment_status) for i in plan.invoices] == [
        (4_000, 0, InvoicePaymentStatus.UNPAID), (6_000, 0, InvoicePaymentStatus.UNPAID)]
    assert plan.customer.balance == Money(-10_000, "GBP")
    assert [(line.kind, line.balance, line.outstanding, line.credit_id) for line in plan.lines] == [
        (JournalKind.WRITE_OFF_REVERSED, -4_000, 4_000, 5), (JournalKind.WRITE_OFF_REVERSED, -2_500, 2_500, 5)]


@pytest.mark.parametrize(("credit_type", "state", "message"), [
    (CreditType.PAYMENT, CreditState.POSTED, "cancelling the payment"),
    (CreditType.SHORTFALL_WRITE_OFF, CreditState.DISTRIBUTED, "cancelling the payment"),
    (CreditType.WRITE_OFF, CreditState.REVERSED, "reversed already"),
])
def test_only_a_live_write_off_is_reversed_directly(credit_type, state, message):
    credit = CreditRecord(type=credit_type, state=state, customer_id=7, currency="GBP", amount_minor=1,
                          locator="C", created_at=NOW, id=5)
    with pytest.raises(Conflict, match=message):
        check_reversible(credit)
