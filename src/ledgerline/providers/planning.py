"""Pure rules of providers: usable mandates, the sandbox's test amounts, and how a provider's event
moves a collection or a refund. No I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

# Vendor notes: GoCardless mandates accept only these states (Created, Pending Submission, Submitted,
# Active, Reinstated, Customer approval granted/skipped); any other state cannot be collected against.
USABLE_MANDATE_STATES = frozenset({
    "CREATED", "PENDING_SUBMISSION", "SUBMITTED", "ACTIVE", "REINSTATED", "CUSTOMER_APPROVAL_GRANTED",
    "CUSTOMER_APPROVAL_SKIPPED",
})
MANDATE_STATES = USABLE_MANDATE_STATES | {
    "PENDING_CUSTOMER_APPROVAL", "CUSTOMER_APPROVAL_DENIED", "FAILED", "CANCELLED", "EXPIRED", "CONSUMED",
    "BLOCKED", "SUSPENDED_BY_PAYER",
}

# A collection the provider has not yet settled.
OPEN_COLLECTION = frozenset({"NEW", "CREATED", "PENDING_CUSTOMER_APPROVAL", "PENDING_SUBMISSION", "SUBMITTED",
                             "CUSTOMER_APPROVAL_GRANTED", "FAILED_RETRYING", "RESUBMISSION_REQUESTED"})
COLLECTED = frozenset({"CONFIRMED", "PAID_OUT"})
FAILED = frozenset({"FAILED", "CUSTOMER_APPROVAL_DENIED", "UNSUPPORTED_PAYMENT_TYPE", "UNAUTHORISED_PAYMENT_TYPE",
                    "CUSTOMER_APPROVAL_MISSING"})
CANCELLED = frozenset({"CANCELLED"})
CHARGED_BACK = frozenset({"CHARGED_BACK"})
COLLECTION_STATUSES = OPEN_COLLECTION | COLLECTED | FAILED | CANCELLED | CHARGED_BACK

Action = Literal["post", "reject", "cancel", "chargeback", "post_and_chargeback", "status", "ignore"]


@dataclass(frozen=True)
class Step:
    """What applying one event does: ``action`` on the Ledgerline payment, and the collection's status after."""

    action: Action
    status: str
    reason: str = ""


def collection_step(current: str, event: str) -> Step:
    """How an event moves a collection in ``current``. Events may come twice or out of order: a step that
    would move a collection backwards (PAID_OUT after CHARGED_BACK, CONFIRMED after PAID_OUT) is ignored,
    so the outcome depends only on the set of events received."""
    if event not in COLLECTION_STATUSES:
        return Step("ignore", current, f"{event} does not change a collection")
    if current in OPEN_COLLECTION:
        if event in COLLECTED:
            return Step("post", event)
        if event in FAILED:
            return Step("reject", event)
        if event in CANCELLED:
            return Step("cancel", event)
        if event in CHARGED_BACK:  # collected and charged back, the collection event arriving late
            return Step("post_and_chargeback", event)
        return Step("status", event) if event != current else Step("ignore", current, "already " + current)
    if current in COLLECTED:
        if event in CHARGED_BACK:
            return Step("chargeback", event)
        if current == "CONFIRMED" and event == "PAID_OUT":
            return Step("status", event)
        return Step("ignore", current, f"collection is {current}; {event} comes too late")
    return Step("ignore", current, f"collection is {current}, which is final")


def replay_applies(resource_type: str, outcome: str | None) -> bool:
    """Whether replaying a stored event applies it: not when it was applied already (its change and its
    domain events happened once). A collection's or refund's ignored event is tried again (their steps only
    move forwards); a mandate's only when it found no mandate, since mandate states have no order and an
    old event would undo a newer one."""
    if outcome is None:
        return True
    if not outcome.startswith("ignored"):
        return False
    return resource_type != "mandate" or outcome.startswith("ignored: no mandate")


OPEN_REFUND = frozenset({"CREATED", "PENDING_SUBMISSION", "SUBMITTED"})
REFUND_PAID = frozenset({"PAID", "REFUND_SETTLED"})
REFUND_RETURNED = frozenset({"BOUNCED", "FUNDS_RETURNED", "CANCELLED"})


def refund_step(current: str, event: str) -> Step:
    """A provider refund: CREATED -> SUBMITTED -> PAID, or BOUNCED / FUNDS_RETURNED (/ CANCELLED) restoring
    what was refunded. ``action`` is ``status`` (nothing moves), ``cancel`` (restore the money) or ``ignore``."""
    if current in OPEN_REFUND:
        if event in REFUND_RETURNED:
            return Step("cancel", event)
        if event in REFUND_PAID or (event in OPEN_REFUND and _REFUND_ORDER[event] > _REFUND_ORDER[current]):
            return Step("status", event)
    if current in REFUND_PAID and event in {"BOUNCED", "FUNDS_RETURNED"}:
        return Step("cancel", event)
    return Step("ignore", current, f"refund is {current}; {event} changes nothing")


_REFUND_ORDER = {"CREATED": 0, "PENDING_SUBMISSION": 1, "SUBMITTED": 2}


# --- the sandbox's test amounts (README "The sandbox provider") ---------------------------------

def sandbox_collection_steps(amount_minor: int, start: dt.datetime, settle_seconds: float) -> list[tuple[dt.datetime, str]]:
    """Minor units ending in 13 fail; ending in 66 pay out and are charged back a settle period later;
    any other amount pays out. Each settles ``settle_seconds`` after ``start``."""
    settle = start + dt.timedelta(seconds=settle_seconds)
    ending = abs(amount_minor) % 100
    if ending == 13:
        return [(settle, "FAILED")]
    steps = [(settle, "CONFIRMED"), (settle, "PAID_OUT")]
    if ending == 66:
        steps.append((settle + dt.timedelta(seconds=settle_seconds), "CHARGED_BACK"))
    return steps


def sandbox_refund_steps(amount_minor: int, start: dt.datetime, settle_seconds: float) -> list[tuple[dt.datetime, str]]:
    """A refund whose minor units end in 13 bounces; any other is paid."""
    settle = start + dt.timedelta(seconds=settle_seconds)
    return [(settle, "SUBMITTED"), (settle, "BOUNCED" if abs(amount_minor) % 100 == 13 else "PAID")]


def status_at(steps: list[tuple[dt.datetime, str]], initial: str, now: dt.datetime) -> str:
    """What a provider reports at ``now``: the status of its last step due by then."""
    status = initial
    for at, step_status in steps:
        if at <= now:
            status = step_status
    return status
