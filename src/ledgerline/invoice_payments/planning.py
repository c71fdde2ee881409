"""What an invoice payment does with the money, from its sign and its provider status. Pure: no I/O."""

from __future__ import annotations

import enum

from ledgerline.kit.money import Money
from ledgerline.payments.third_party import is_collected, is_returned


class Effect(enum.Enum):
    SETTLE = "settle"  # collected money: a posted payment meant for the invoice
    RETURN = "return"  # money given back: a refund against the invoice
    RECORD = "record"  # the provider holds no money (failed, cancelled, pending, ...): the row only


def effect_of(amount: Money, third_party_status: str | None) -> Effect:
    """Money moves only when the status says it moved (issue 14): in, when it was collected; out, when it
    was returned. Anything else is recorded and settles nothing."""
    if amount.is_positive:
        return Effect.SETTLE if is_collected(third_party_status) else Effect.RECORD
    if amount.is_negative:
        return Effect.RETURN if is_returned(third_party_status) else Effect.RECORD
    raise ValueError("an invoice payment moves some money")
