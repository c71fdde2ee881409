"""References: how a use case names an entity, by any one of its identifiers.

Each surface names entities its own way (/v1 and CRM.COM by int64 id, Socotra by ULID locator,
Exsited by number or uuid, CRM.COM also by number or reference number). A service takes a
reference and resolves it in the domain (``kit/repository.py`` ``ref_clause``), so a surface never
looks an entity up itself to learn its id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Ref:
    """Exactly one of the identifiers is set."""

    id: int | None = None
    number: str | None = None
    uuid: uuid.UUID | None = None
    locator: str | None = None
    reference_number: str | None = None

    def __post_init__(self) -> None:
        given = [each.name for each in fields(self) if getattr(self, each.name) is not None]
        if len(given) != 1:
            raise ValueError(f"a reference names exactly one identifier, not {given or 'none'}")

    @property
    def key(self) -> tuple[str, object]:
        return next((each.name, getattr(self, each.name)) for each in fields(self)
                    if getattr(self, each.name) is not None)

    def __str__(self) -> str:
        name, value = self.key
        return str(value) if name == "id" else f"{name} {value}"


class CustomerRef(Ref):
    pass


class InvoiceRef(Ref):
    pass


class BillRef(Ref):
    pass


class PaymentRef(Ref):
    pass


class CreditRef(Ref):
    pass
