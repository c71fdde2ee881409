"""payments/third_party.py: which provider statuses mean collected money (issue 14, vendor notes)."""

from __future__ import annotations

import pytest

from ledgerline.models.enums import ThirdPartyPaymentStatus as Status
from ledgerline.payments.third_party import (
    COLLECTED, STATUSES, is_collected, is_collected_by_provider, is_returned,
)


@pytest.mark.parametrize("status", [None, "MANUALLY_PAID", "CONFIRMED", "PAID_OUT", Status.PAID_OUT])
def test_collected_money_and_a_manual_payment_settle(status):
    assert is_collected(status)


@pytest.mark.parametrize("status", sorted(STATUSES - COLLECTED))
def test_every_other_vendor_status_settles_nothing(status):
    assert not is_collected(status) and not is_collected(Status(status))


def test_exactly_three_vendor_statuses_are_collected():
    assert sorted(COLLECTED) == ["CONFIRMED", "MANUALLY_PAID", "PAID_OUT"]
    assert {status.value for status in Status if is_collected(status)} == COLLECTED


def test_an_unknown_status_settles_nothing():
    assert not is_collected("ALMOST_PAID") and not is_collected("") and not is_returned("ALMOST_PAID")


def test_only_a_provider_collects_by_provider():
    assert [s.value for s in Status if is_collected_by_provider(s)] == ["CONFIRMED", "PAID_OUT"]
    assert not is_collected_by_provider(None) and not is_collected_by_provider("MANUALLY_PAID")


def test_money_returned_is_a_collected_status_or_a_refunded_one():
    returned = {status.value for status in Status if is_returned(status)}
    assert returned == COLLECTED | {"REFUNDED", "PARTIALLY_REFUNDED"}
    assert is_returned(None) and not is_returned("REFUND_PENDING") and not is_returned("FAILED")
