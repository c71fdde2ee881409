"""The payment life cycle (DESIGN "Payments"). Pure: no I/O.

    create ──► DRAFT ──post──► POSTED ──cancel──► CANCELLED
       │         └───reject──► REJECTED
       └──► PENDING_VERIFICATION ──post / reject / cancel──► POSTED / REJECTED / CANCELLED

Any other transition is 409 naming the current state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

from ledgerline.errors import Conflict
from ledgerline.models.enums import PaymentStatus

Action = Literal["post", "reject", "cancel"]

# The only transitions there are: (status, action) -> the status after it.
TRANSITIONS: Mapping[tuple[PaymentStatus, Action], PaymentStatus] = {
    (PaymentStatus.DRAFT, "post"): PaymentStatus.POSTED,
    (PaymentStatus.PENDING_VERIFICATION, "post"): PaymentStatus.POSTED,
    (PaymentStatus.DRAFT, "reject"): PaymentStatus.REJECTED,
    (PaymentStatus.PENDING_VERIFICATION, "reject"): PaymentStatus.REJECTED,
    (PaymentStatus.POSTED, "cancel"): PaymentStatus.CANCELLED,
    (PaymentStatus.PENDING_VERIFICATION, "cancel"): PaymentStatus.CANCELLED,
}

_PAST: Mapping[Action, str] = {"post": "posted", "reject": "rejected", "cancel": "cancelled"}


def check_transition(payment_id: int, status: PaymentStatus, action: Action) -> PaymentStatus:
    """The status a payment in ``status`` has after ``action``; Conflict (409) naming the current state
    when the life cycle has no such transition."""
    if action not in get_args(Action):
        raise ValueError(f"no payment action {action!r}")
    after = TRANSITIONS.get((status, action))
    if after is None:
        allowed = sorted(state.value for state, named in TRANSITIONS if named == action)
        raise Conflict(f"payment {payment_id} is {status.value}; only a {' or '.join(allowed)} payment can be "
                       f"{_PAST[action]}")
    return after
