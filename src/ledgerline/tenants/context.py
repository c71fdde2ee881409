"""A tenant's policy, loaded once per process: what every money rule needs to know of the tenant.

Shortfall tolerances (the tenant's own over the server's defaults), the financial transaction types
and categories payments may name and the default type per classification, and the payment methods
the tenant has switched off. Adapters hand the context to services; services apply the rules. The
context carries the tenant's ``settings_version``; every change to those settings bumps it in the
same transaction, and the money path, which reads the version with the customer row it locks,
reloads a context that is older (so several processes or nodes never apply a stale policy).
Everything else that hands out the cached context looks at the version again once the context has
gone unchecked for ``check_seconds`` (``LEDGERLINE_CACHE_CHECK_SECONDS``, 1 s by default): a change
committed on one node is seen by every other node's next request after at most that long.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from ledgerline.errors import InvalidRequest
from ledgerline.kit.money import Money, round_major, to_minor
from ledgerline.models.enums import PaymentMethod, TransactionClassification
from ledgerline.tenants import repository


@dataclass(frozen=True)
class ReferenceEntryView:
    id: int
    name: str
    active: bool
    classification: TransactionClassification | None = None


@dataclass(frozen=True)
class TenantContext:
    tenant_id: uuid.UUID
    version: int
    tolerances: Mapping[str, int] = field(default_factory=dict)  # currency -> minor units, defaults applied
    transaction_types: Mapping[int, ReferenceEntryView] = field(default_factory=dict)
    default_types: Mapping[TransactionClassification, int] = field(default_factory=dict)
    categories: Mapping[int, ReferenceEntryView] = field(default_factory=dict)
    disabled_methods: frozenset[PaymentMethod] = frozenset()
    server_tolerances: Mapping[str, Decimal] = field(default_factory=dict, compare=False, repr=False)
    # The process cache this context came from: a newer version read under a lock replaces it there.
    cache: TenantContexts | None = field(default=None, compare=False, repr=False)

    def at_version(self, session: Session, version: int) -> TenantContext:
        """This context if it is of ``version`` (read under the caller's lock), else the tenant's policy reloaded."""
        if version == self.version:
            return self
        if self.cache is not None:
            return self.cache.reload(session, self.tenant_id) or self
        return load(session, self.tenant_id, self.server_tolerances) or self

    def tolerance(self, currency: str) -> Money:
        """How far a payment meant for an invoice may fall short and still settle it (0 by default)."""
        return Money(self.tolerances.get(currency, 0), currency)

    def transaction_type(self, type_id: int | None, classification: TransactionClassification, *,
                         field: str = "transaction_type") -> int:
        """The named type, active and of the classification; by default the tenant's default one."""
        if type_id is None:
            if classification not in self.default_types:
                raise InvalidRequest.for_field(
                    field, f"no active financial transaction type is classified {classification.value}; name one")
            return self.default_types[classification]
        entry = self._usable(self.transaction_types, type_id, "financial transaction type", field)
        if entry.classification is not classification:
            raise InvalidRequest.for_field(
                field, f"type {type_id} is classified {entry.classification.value}, not {classification.value}")
        return entry.id

    def category(self, category_id: int | None, *, field: str = "category") -> int | None:
        if category_id is None:
            return None
        return self._usable(self.categories, category_id, "financial transaction category", field).id

    def check_method(self, method: PaymentMethod, *, field: str) -> None:
        if method in self.disabled_methods:
            raise InvalidRequest.for_field(field, f"payment method {method.value} is deactivated in this tenant")

    @staticmethod
    def _usable(entries: Mapping[int, ReferenceEntryView], entry_id: int, label: str, field: str) -> ReferenceEntryView:
        entry = entries.get(entry_id)
        if entry is None:
            raise InvalidRequest.for_field(field, f"{label} {entry_id} does not exist")
        if not entry.active:
            raise InvalidRequest.for_field(field, f"{entry.name!r} is deactivated")
        return entry


def load(session: Session, tenant_id: uuid.UUID, server_tolerances: Mapping[str, Decimal],
         cache: TenantContexts | None = None) -> TenantContext | None:
    """The tenant's context read from the database; None when there is no such tenant."""
    version = repository.settings_version(session, tenant_id)
    if version is None:
        return None
    tolerances = {code: to_minor(round_major(amount, code), code) for code, amount in server_tolerances.items()}
    tolerances.update(repository.tolerances(session, tenant_id))
    type_rows = sorted(repository.transaction_types(session, tenant_id), key=lambda row: row.id)
    types = {row.id: ReferenceEntryView(row.id, row.name, row.active, row.classification) for row in type_rows}
    # The default of a classification: its active type coded as the classification itself, else its first one.
    defaults: dict[TransactionClassification, int] = {}
    for row in sorted((row for row in type_rows if row.active),
                      key=lambda row: (row.alternative_code != row.classification.value, row.id)):
        defaults.setdefault(row.classification, row.id)
    categories = {row.id: ReferenceEntryView(row.id, row.name, row.active)
                  for row in repository.transaction_categories(session, tenant_id)}
    return TenantContext(tenant_id=tenant_id, version=version, tolerances=tolerances, transaction_types=types,
                         default_types=defaults, categories=categories,
                         disabled_methods=frozenset(repository.disabled_methods(session, tenant_id)),
                         server_tolerances=dict(server_tolerances), cache=cache)


class TenantContexts:
    """The process's cache of tenant contexts. A context is replaced when a newer version is seen: under
    the customer lock of a money path (``at_version``), or when a context unchecked for ``check_seconds``
    is handed out (``current``), so a change made through another node is noticed within that bound."""

    def __init__(self, server_tolerances: Mapping[str, Decimal], *, check_seconds: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._server_tolerances = dict(server_tolerances)
        self._contexts: dict[uuid.UUID, TenantContext] = {}
        self._checked_at: dict[uuid.UUID, float] = {}   # when each context's version was last read
        self._lock = threading.Lock()
        self.check_seconds = check_seconds
        self._clock = clock

    def cached(self, tenant_id: uuid.UUID) -> TenantContext | None:
        return self._contexts.get(tenant_id)

    def fresh(self, tenant_id: uuid.UUID) -> TenantContext | None:
        """The cached context if its version was read less than ``check_seconds`` ago, else None."""
        context = self._contexts.get(tenant_id)
        if context is None or self._clock() - self._checked_at.get(tenant_id, float("-inf")) >= self.check_seconds:
            return None
        return context

    def get(self, session: Session, tenant_id: uuid.UUID) -> TenantContext | None:
        """The cached context, else loaded (None: no such tenant)."""
        context = self._contexts.get(tenant_id)
        return context if context is not None else self.reload(session, tenant_id)

    def current(self, session: Session, tenant_id: uuid.UUID) -> TenantContext | None:
        """The context as of now, give or take ``check_seconds``: the cached one while it was checked
        recently, else its version is read (one row by primary key) and the policy reloaded if it moved."""
        context = self.fresh(tenant_id)
        if context is not None:
            return context
        context = self._contexts.get(tenant_id)
        if context is None:
            return self.reload(session, tenant_id)
        checked_at = self._clock()
        version = repository.settings_version(session, tenant_id)
        if version is None:
            return None
        if version == context.version:
            with self._lock:
                self._checked_at[tenant_id] = max(checked_at, self._checked_at.get(tenant_id, checked_at))
            return context
        return self.reload(session, tenant_id)

    def reload(self, session: Session, tenant_id: uuid.UUID) -> TenantContext | None:
        checked_at = self._clock()
        context = load(session, tenant_id, self._server_tolerances, self)
        if context is not None:
            with self._lock:
                known = self._contexts.get(tenant_id)
                if known is None or known.version <= context.version:
                    self._contexts[tenant_id] = context
                    self._checked_at[tenant_id] = checked_at
        return context

    def forget(self, tenant_id: uuid.UUID) -> None:
        self._contexts.pop(tenant_id, None)
        self._checked_at.pop(tenant_id, None)
