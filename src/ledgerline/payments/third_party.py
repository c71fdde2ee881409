"""What a payment provider's ``thirdPartyPaymentStatus`` means for the money (vendor notes).

Money a provider has not collected never settles an invoice (issue 14): only a status saying the money
was taken counts, and no status at all means a manual payment (money taken outside any provider). Every
other status (NEW, CREATED, PENDING_*, SUBMITTED, FAILED, CANCELLED, CHARGED_BACK, ...) is what the
provider said about money it does not hold, and settles nothing. Pure: no I/O.
"""

from __future__ import annotations

from ledgerline.models.enums import ThirdPartyPaymentStatus as Status

STATUSES: frozenset[str] = frozenset(status.value for status in Status)

# The money was taken: outside any provider (MANUALLY_PAID), or confirmed / paid out by the provider.
COLLECTED: frozenset[str] = frozenset({Status.MANUALLY_PAID.value, Status.CONFIRMED.value, Status.PAID_OUT.value})

# Collected by a provider (not by hand): a refund of such money goes back by the provider's method.
PROVIDER_COLLECTED: frozenset[str] = COLLECTED - {Status.MANUALLY_PAID.value}

# Money returned to the customer: for a negative invoice payment these say the return happened too.
RETURNED: frozenset[str] = COLLECTED | {Status.REFUNDED.value, Status.PARTIALLY_REFUNDED.value}


def _value(status: str | None) -> str | None:
    return getattr(status, "value", status)


def is_collected(status: str | None) -> bool:
    """True when money with this status settles an invoice: MANUALLY_PAID, CONFIRMED, PAID_OUT, or no status
    (a manual payment). Unknown statuses settle nothing."""
    value = _value(status)
    return value is None or value in COLLECTED


def is_collected_by_provider(status: str | None) -> bool:
    """True for money a provider (not a person) collected: CONFIRMED or PAID_OUT."""
    return _value(status) in PROVIDER_COLLECTED


def is_returned(status: str | None) -> bool:
    """True when a negative invoice payment with this status returned money: a collected status (the
    movement happened), REFUNDED or PARTIALLY_REFUNDED, or no status (returned by hand)."""
    value = _value(status)
    return value is None or value in RETURNED
