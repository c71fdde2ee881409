"""What an invoice payment does with the money, without a database."""

from __future__ import annotations

import pytest

from ledgerline.invoice_payments.planning import Effect, effect_of
from ledgerline.kit.money import Money


def gbp(minor: int) -> Money:
    return Money(minor, "GBP")


@pytest.mark.parametrize("status", [None, "MANUALLY_PAID", "CONFIRMED", "PAID_OUT"])
def test_collected_money_in_settles(status):
    assert effect_of(gbp(500), status) is Effect.SETTLE


@pytest.mark.parametrize("status", ["FAILED", "CANCELLED", "PENDING_SUBMISSION", "SUBMITTED", "CHARGED_BACK",
                                    "REFUNDED", "NEW"])
def test_money_in_the_provider_does_not_hold_is_only_recorded(status):
    assert effect_of(gbp(500), status) is Effect.RECORD


@pytest.mark.parametrize("status", [None, "MANUALLY_PAID", "PAID_OUT", "REFUNDED", "PARTIALLY_REFUNDED"])
def test_money_out_that_was_returned_is_a_refund(status):
    assert effect_of(gbp(-500), status) is Effect.RETURN


@pytest.mark.parametrize("status", ["FAILED", "REFUND_PENDING", "SUBMITTED", "CANCELLED"])
def test_money_out_not_returned_is_only_recorded(status):
    assert effect_of(gbp(-500), status) is Effect.RECORD


def test_no_money_is_no_invoice_payment():
    with pytest.raises(ValueError):
        effect_of(gbp(0), "MANUALLY_PAID")
