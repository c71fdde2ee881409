"""Domain values of invoices and bills."""

from __future__ import annotations

from dataclasses import dataclass, fields

# Seed 004: a bill may carry three check digits, each "applicable and mandatory if the bill has such a check digit".
CHECK_DIGIT_FIELDS = ("bill_number_check_digit", "accounts_receivable_check_digit", "bill_amount_check_digit")


@dataclass(frozen=True)
class BillCheckDigits:
    """The check digits a request repeats for a bill (None: not given)."""

    bill_number_check_digit: int | None = None
    accounts_receivable_check_digit: int | None = None
    bill_amount_check_digit: int | None = None

    def mismatches(self, bill: object) -> list[tuple[str, str]]:
        """(field, problem) for each check digit the bill has that this does not repeat exactly.

        ``bill`` is anything with the three attributes or keys (a row or a Bill). A digit the bill does not
        have is not applicable and is ignored."""
        problems = []
        for each in fields(self):
            expected = bill[each.name] if isinstance(bill, dict) or hasattr(bill, "keys") else getattr(bill, each.name)
            given = getattr(self, each.name)
            if expected is None:
                continue
            if given is None:
                problems.append((each.name, "is mandatory: the bill has this check digit"))
            elif given != expected:
                problems.append((each.name, "does not match the bill's check digit"))
        return problems
