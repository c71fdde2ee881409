"""How a provider's events move a refund (pure): forwards only, a bounce reverses it once, any order ends the same."""

from __future__ import annotations

import datetime as dt
from itertools import permutations

import pytest

from ledgerline.providers.planning import refund_step, sandbox_refund_steps


def _after(events: tuple[str, ...], start: str = "CREATED") -> tuple[str, int]:
    """The refund's status after the events, and how many times they reversed it."""
    status, reversals = start, 0
    for event in events:
        step = refund_step(status, event)
        reversals += step.action == "cancel"
        status = step.status
    return status, reversals


def test_a_refund_moves_forwards_to_paid():
    assert refund_step("CREATED", "SUBMITTED").action == "status"
    assert refund_step("SUBMITTED", "PAID").action == "status"
    assert refund_step("PAID", "SUBMITTED").action == "ignore"
    assert refund_step("SUBMITTED", "CREATED").action == "ignore"
    assert refund_step("PAID", "PAID").action == "ignore"


@pytest.mark.parametrize("returned", ["BOUNCED", "FUNDS_RETURNED"])
def test_a_bounce_reverses_an_open_or_paid_refund_once(returned):
    assert refund_step("SUBMITTED", returned).action == "cancel"
    assert refund_step("PAID", returned).action == "cancel"
    assert refund_step(returned, returned).action == "ignore"
    assert refund_step(returned, "PAID").action == "ignore"


def test_a_manual_refund_and_unknown_statuses_change_nothing():
    assert refund_step("MANUALLY_REFUNDED", "BOUNCED").action == "ignore"
    assert refund_step("SUBMITTED", "WHATEVER").action == "ignore"


@pytest.mark.parametrize("events", [("SUBMITTED", "PAID"), ("SUBMITTED", "PAID", "BOUNCED"),
                                    ("SUBMITTED", "BOUNCED"), ("SUBMITTED", "PAID", "FUNDS_RETURNED")])
def test_the_order_of_the_events_does_not_change_the_end(events):
    ends = {_after(order) for order in permutations(events)}
    ends |= {_after(order + order) for order in permutations(events)}  # every event delivered twice, too
    assert len(ends) == 1, ends
    [(status, reversals)] = ends
    assert reversals == (status in ("BOUNCED", "FUNDS_RETURNED"))


def test_the_sandbox_bounces_refunds_whose_minor_units_end_in_13():
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    assert [status for _, status in sandbox_refund_steps(1213, start, 1)] == ["SUBMITTED", "BOUNCED"]
    assert [status for _, status in sandbox_refund_steps(1266, start, 1)] == ["SUBMITTED", "PAID"]
    assert all(at == start + dt.timedelta(seconds=1) for at, _ in sandbox_refund_steps(100, start, 1))
