"""Provider queries: providers and the contract owners they serve, mandates, collections, events, and
the sandbox's own books. Every query is led by the tenant, but for the webhook's first lookup of a
provider by its global id (its signature, checked next, proves the caller)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ledgerline.kit.criteria import ColumnMap, choice, day, flag, ident, text
from ledgerline.kit.repository import TenantRows, get_scoped
from ledgerline.models import (
    Customer, Invoice, PaymentProvider, PaymentProviderContractOwner, ProviderCollection, ProviderEvent,
    ProviderRefund, Refund, SandboxOperation, Site, SitePaymentMandate, Tenant,
)
from ledgerline.models.enums import InvoicePaymentStatus, PaymentMethod, ProviderStatus

_LINKS = PaymentProviderContractOwner


def _serves(clause: Any) -> Any:
    return exists().where(_LINKS.tenant_id == PaymentProvider.tenant_id, _LINKS.provider_id == PaymentProvider.id,
                          clause)


PROVIDER_COLUMNS = ColumnMap({
    "id": ident(PaymentProvider.id),
    "type": choice(PaymentProvider.type, PaymentMethod),
    "name": text(PaymentProvider.name),
    "status": choice(PaymentProvider.status, ProviderStatus),
    "contract_owner_id": ident(_LINKS.contract_owner_id, within=_serves),
    "instant_bank_payments": flag(PaymentProvider.instant_bank_payments),
    "retry_if_possible": flag(PaymentProvider.retry_if_possible),
    "created_at": day(PaymentProvider.created_at),
}, tiebreak=PaymentProvider.id)

PROVIDERS = TenantRows(PaymentProvider, PROVIDER_COLUMNS)

MANDATE_COLUMNS = ColumnMap({
    "id": ident(SitePaymentMandate.id),
    "site_id": ident(SitePaymentMandate.site_id),
    "created_at": day(SitePaymentMandate.created_at),
}, tiebreak=SitePaymentMandate.id)

MANDATES = TenantRows(SitePaymentMandate, MANDATE_COLUMNS)


# --- providers ----------------------------------------------------------------------------------

def provider(session: Session, tenant_id: uuid.UUID, provider_id: int, *, for_update: bool = False
             ) -> PaymentProvider | None:
    return get_scoped(session, PaymentProvider, tenant_id, provider_id, for_update=for_update)


def provider_by_global_id(session: Session, provider_id: int) -> PaymentProvider | None:
    if not -(2**63) <= provider_id < 2**63:
        return None
    return session.execute(select(PaymentProvider).where(PaymentProvider.id == provider_id)).scalar_one_or_none()


def contract_owner_ids(session: Session, tenant_id: uuid.UUID, provider_ids: Sequence[int]) -> dict[int, list[int]]:
    result: dict[int, list[int]] = {provider_id: [] for provider_id in provider_ids}
    if provider_ids:
        rows = session.execute(select(_LINKS.provider_id, _LINKS.contract_owner_id)
                               .where(_LINKS.tenant_id == tenant_id, _LINKS.provider_id.in_(provider_ids))
                               .order_by(_LINKS.provider_id, _LINKS.position))
        for provider_id, owner_id in rows:
            result[provider_id].append(owner_id)
    return result


def set_contract_owners(session: Session, tenant_id: uuid.UUID, provider_id: int, owner_ids: Sequence[int]) -> None:
    session.execute(delete(_LINKS).where(_LINKS.tenant_id == tenant_id, _LINKS.provider_id == provider_id))
    session.add_all([_LINKS(tenant_id=tenant_id, provider_id=provider_id, contract_owner_id=owner_id, position=n)
                     for n, owner_id in enumerate(owner_ids)])
    session.flush()


def active_providers_for_owner(session: Session, tenant_id: uuid.UUID, owner_id: int | None) -> list[PaymentProvider]:
    """The tenant's ACTIVE providers, those serving the contract owner first."""
    stmt = select(PaymentProvider).where(PaymentProvider.tenant_id == tenant_id,
                                         PaymentProvider.status == ProviderStatus.ACTIVE)
    providers = list(session.execute(stmt.order_by(PaymentProvider.id)).scalars())
    if owner_id is None:
        return providers
    serving = set(session.execute(select(_LINKS.provider_id).where(
        _LINKS.tenant_id == tenant_id, _LINKS.contract_owner_id == owner_id)).scalars())
    return sorted(providers, key=lambda each: each.id not in serving)


# --- sites, mandates ----------------------------------------------------------------------------

def site_with_customer(session: Session, tenant_id: uuid.UUID, site_id: int) -> tuple[Site, Customer] | None:
    if not -(2**63) <= site_id < 2**63:
        return None
    row = session.execute(select(Site, Customer).join(Customer, and_(Customer.tenant_id == Site.tenant_id,
                                                                     Customer.id == Site.customer_id))
                          .where(Site.tenant_id == tenant_id, Site.id == site_id)).one_or_none()
    return None if row is None else (row[0], row[1])


def mandate_by_reference(session: Session, tenant_id: uuid.UUID, reference: str, *,
                         for_update: bool = False) -> SitePaymentMandate | None:
    stmt = select(SitePaymentMandate).where(SitePaymentMandate.tenant_id == tenant_id,
                                            SitePaymentMandate.mandate_reference == reference)
    if for_update:
        stmt = stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
    return session.execute(stmt).scalar_one_or_none()


def mandate_by_flow_token(session: Session, tenant_id: uuid.UUID, flow_token: str) -> SitePaymentMandate | None:
    return session.execute(select(SitePaymentMandate).where(
        SitePaymentMandate.tenant_id == tenant_id, SitePaymentMandate.flow_token == flow_token)).scalar_one_or_none()


def mandates_of_customer(session: Session, tenant_id: uuid.UUID, customer_id: int,
                         states: frozenset[str]) -> list[tuple[SitePaymentMandate, PaymentProvider]]:
    """The customer's mandates in ``states`` whose provider is ACTIVE, newest first."""
    stmt = (select(SitePaymentMandate, PaymentProvider)
            .join(PaymentProvider, and_(PaymentProvider.tenant_id == SitePaymentMandate.tenant_id,
                                        PaymentProvider.id == SitePaymentMandate.provider_id))
            .where(SitePaymentMandate.tenant_id == tenant_id, SitePaymentMandate.customer_id == customer_id,
                   SitePaymentMandate.status.in_(sorted(states)), PaymentProvider.status == ProviderStatus.ACTIVE)
            .order_by(SitePaymentMandate.id.desc()))
    return [(row[0], row[1]) for row in session.execute(stmt)]


# --- collections --------------------------------------------------------------------------------

def insert_collection(session: Session, **values: Any) -> ProviderCollection:
    collection = ProviderCollection(**values)
    session.add(collection)
    session.flush()
    return collection


def collection_by_reference(session: Session, tenant_id: uuid.UUID, provider_id: int, reference: str, *,
                            for_update: bool = False) -> ProviderCollection | None:
    stmt = select(ProviderCollection).where(ProviderCollection.tenant_id == tenant_id,
                                            ProviderCollection.provider_id == provider_id,
                                            ProviderCollection.reference == reference)
    if for_update:
        stmt = stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
    return session.execute(stmt).scalar_one_or_none()


def collection_of_payment(session: Session, tenant_id: uuid.UUID, payment_id: int) -> ProviderCollection | None:
    """The collection whose payment this is, locked (its customer is locked by the caller)."""
    return session.execute(select(ProviderCollection).where(
        ProviderCollection.tenant_id == tenant_id, ProviderCollection.payment_id == payment_id)
        .with_for_update(key_share=True).execution_options(populate_existing=True)).scalar_one_or_none()


def customer_of_collection(session: Session, tenant_id: uuid.UUID, provider_id: int, reference: str) -> int | None:
    return session.execute(select(ProviderCollection.customer_id).where(
        ProviderCollection.tenant_id == tenant_id, ProviderCollection.provider_id == provider_id,
        ProviderCollection.reference == reference)).scalar_one_or_none()


def latest_collection_of_invoice(session: Session, tenant_id: uuid.UUID, invoice_id: int) -> ProviderCollection | None:
    return session.execute(select(ProviderCollection).where(
        ProviderCollection.tenant_id == tenant_id, ProviderCollection.invoice_id == invoice_id,
        ProviderCollection.kind == "collection").order_by(ProviderCollection.id.desc()).limit(1)).scalar_one_or_none()


def collections_pending_since(session: Session, tenant_id: uuid.UUID, before: dt.datetime) -> list[ProviderCollection]:
    return list(session.execute(select(ProviderCollection).where(
        ProviderCollection.tenant_id == tenant_id, ProviderCollection.resolved_at.is_(None),
        ProviderCollection.kind == "collection", ProviderCollection.submitted_at <= before)
        .order_by(ProviderCollection.id)).scalars())


def collections_of_payments(session: Session, tenant_id: uuid.UUID, payment_ids: Sequence[int]
                            ) -> dict[int, tuple[ProviderCollection, PaymentProvider]]:
    """The collections (and payment links) that filled the payments in, by payment id, with their provider:
    only providers that collect themselves (not ``manual``)."""
    if not payment_ids:
        return {}
    stmt = (select(ProviderCollection, PaymentProvider)
            .join(PaymentProvider, and_(PaymentProvider.tenant_id == ProviderCollection.tenant_id,
                                        PaymentProvider.id == ProviderCollection.provider_id))
            .where(ProviderCollection.tenant_id == tenant_id, ProviderCollection.payment_id.in_(list(payment_ids)),
                   PaymentProvider.adapter != "manual"))
    return {row[0].payment_id: (row[0], row[1]) for row in session.execute(stmt)}


def tenant_ids(session: Session) -> list[uuid.UUID]:
    """Every tenant: the janitor works through them one at a time."""
    return list(session.execute(select(Tenant.id).order_by(Tenant.id)).scalars())


# --- refunds ------------------------------------------------------------------------------------

def insert_provider_refunds(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(ProviderRefund.__table__.insert(), list(rows))


def customer_of_provider_refund(session: Session, tenant_id: uuid.UUID, provider_id: int, reference: str
                                ) -> int | None:
    return session.execute(select(ProviderRefund.customer_id).where(
        ProviderRefund.tenant_id == tenant_id, ProviderRefund.provider_id == provider_id,
        ProviderRefund.reference == reference)).scalar_one_or_none()


def provider_refund_by_reference(session: Session, tenant_id: uuid.UUID, provider_id: int, reference: str
                                 ) -> ProviderRefund | None:
    """The provider's refund, locked and read afresh."""
    return session.execute(select(ProviderRefund).where(
        ProviderRefund.tenant_id == tenant_id, ProviderRefund.provider_id == provider_id,
        ProviderRefund.reference == reference).with_for_update(key_share=True)
        .execution_options(populate_existing=True)).scalar_one_or_none()


def provider_refunds_pending_since(session: Session, tenant_id: uuid.UUID, before: dt.datetime
                                   ) -> list[tuple[ProviderRefund, str]]:
    """Provider refunds not resolved yet, submitted by ``before``, with the refund's status now."""
    rows = session.execute(select(ProviderRefund, Refund.third_party_refund_status)
                           .join(Refund, and_(Refund.tenant_id == ProviderRefund.tenant_id,
                                              Refund.id == ProviderRefund.refund_id))
                           .where(ProviderRefund.tenant_id == tenant_id, ProviderRefund.resolved_at.is_(None),
                                  ProviderRefund.submitted_at <= before)
                           .order_by(ProviderRefund.id))
    return [(row[0], row[1].value) for row in rows]


# --- events -------------------------------------------------------------------------------------

def insert_event_once(session: Session, values: dict[str, Any]) -> int | None:
    """The new event's id; None when the provider's event id is stored already (a redelivery). On
    PostgreSQL a concurrent insert of the same event waits for the first, then inserts nothing."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (insert(ProviderEvent).values(values)
            .on_conflict_do_nothing(index_elements=["tenant_id", "provider_id", "event_id"])
            .returning(ProviderEvent.id))
    return session.execute(stmt).scalar_one_or_none()


def mark_event(session: Session, tenant_id: uuid.UUID, event_id: int, *, applied_at: dt.datetime,
               outcome: str) -> None:
    session.execute(update(ProviderEvent).where(ProviderEvent.tenant_id == tenant_id, ProviderEvent.id == event_id)
                    .values(applied_at=applied_at, outcome=outcome[:255]))


def events_between(session: Session, tenant_id: uuid.UUID, provider_id: int, start: dt.datetime | None,
                   end: dt.datetime | None) -> list[ProviderEvent]:
    stmt = select(ProviderEvent).where(ProviderEvent.tenant_id == tenant_id, ProviderEvent.provider_id == provider_id)
    if start is not None:
        stmt = stmt.where(ProviderEvent.occurred_at >= start)
    if end is not None:
        stmt = stmt.where(ProviderEvent.occurred_at < end)
    return list(session.execute(stmt.order_by(ProviderEvent.occurred_at, ProviderEvent.id)).scalars())


# --- invoices -----------------------------------------------------------------------------------

def set_invoice_payment_status(session: Session, tenant_id: uuid.UUID, invoice_id: int,
                               status: InvoicePaymentStatus) -> None:
    invoice = get_scoped(session, Invoice, tenant_id, invoice_id)
    if invoice is not None and invoice.payment_status is not status:
        invoice.payment_status = status
        session.flush()


def locked_invoice(session: Session, tenant_id: uuid.UUID, invoice_id: int) -> Invoice | None:
    return get_scoped(session, Invoice, tenant_id, invoice_id, for_update=True)


# --- the sandbox's books ------------------------------------------------------------------------

def _next_due(steps: list[dict[str, str]], emitted: int) -> dt.datetime | None:
    return dt.datetime.fromisoformat(steps[emitted]["at"]) if emitted < len(steps) else None


def sandbox_insert(session: Session, *, tenant_id: uuid.UUID, provider_id: int, resource_type: str, reference: str,
                   amount_minor: int, currency: str | None, status: str, steps: list[dict[str, str]],
                   details: dict[str, Any], now: dt.datetime) -> None:
    session.add(SandboxOperation(tenant_id=tenant_id, provider_id=provider_id, resource_type=resource_type,
                                 reference=reference, amount_minor=amount_minor, currency=currency, status=status,
                                 steps=steps, emitted=0, next_due_at=_next_due(steps, 0), details=details,
                                 created_at=now))
    session.flush()


def sandbox_operation(session: Session, tenant_id: uuid.UUID, provider_id: int, reference: str
                      ) -> SandboxOperation | None:
    return session.execute(select(SandboxOperation).where(
        SandboxOperation.tenant_id == tenant_id, SandboxOperation.provider_id == provider_id,
        SandboxOperation.reference == reference).with_for_update(key_share=True)
        .execution_options(populate_existing=True)).scalar_one_or_none()


def sandbox_operation_by_flow_token(session: Session, tenant_id: uuid.UUID, flow_token: str
                                    ) -> SandboxOperation | None:
    mandate = mandate_by_flow_token(session, tenant_id, flow_token)
    if mandate is None:
        return None
    return sandbox_operation(session, tenant_id, mandate.provider_id, mandate.mandate_reference)


def sandbox_link(session: Session, tenant_id: uuid.UUID, reference: str) -> SandboxOperation | None:
    return session.execute(select(SandboxOperation).where(
        SandboxOperation.tenant_id == tenant_id, SandboxOperation.reference == reference,
        SandboxOperation.resource_type == "payment_link")).scalar_one_or_none()


def sandbox_reschedule(session: Session, operation: SandboxOperation, *, steps: list[dict[str, str]]) -> None:
    operation.steps = [*operation.steps[:operation.emitted], *steps]
    operation.next_due_at = _next_due(operation.steps, operation.emitted)
    session.flush()


def sandbox_approve(session: Session, operation: SandboxOperation, *, status: str, details: dict[str, Any],
                    steps: list[dict[str, str]]) -> None:
    operation.status = status
    operation.details = details
    sandbox_reschedule(session, operation, steps=steps)


def sandbox_due(session: Session, tenant_id: uuid.UUID, provider_id: int, now: dt.datetime) -> list[SandboxOperation]:
    return list(session.execute(select(SandboxOperation).where(
        SandboxOperation.tenant_id == tenant_id, SandboxOperation.provider_id == provider_id,
        SandboxOperation.next_due_at.is_not(None), SandboxOperation.next_due_at <= now)
        .order_by(SandboxOperation.id).with_for_update(key_share=True)).scalars())


def sandbox_emitted(session: Session, operation: SandboxOperation, *, emitted: int, status: str) -> None:
    operation.emitted = emitted
    if operation.resource_type in ("payment", "refund"):
        operation.status = status
    operation.next_due_at = _next_due(operation.steps, emitted)
    session.flush()


def sandbox_instant_payments(session: Session, tenant_id: uuid.UUID, mandate_reference: str) -> list[SandboxOperation]:
    rows = session.execute(select(SandboxOperation).where(
        SandboxOperation.tenant_id == tenant_id, SandboxOperation.resource_type == "instant_bank_payment")
        .order_by(SandboxOperation.id)).scalars()
    return [row for row in rows if row.details.get("mandateReference") == mandate_reference]


def sandbox_providers(session: Session, tenant_id: uuid.UUID) -> list[PaymentProvider]:
    return list(session.execute(select(PaymentProvider).where(
        PaymentProvider.tenant_id == tenant_id, PaymentProvider.adapter == "sandbox")
        .order_by(PaymentProvider.id)).scalars())


def mandate_by_reference_id(session: Session, tenant_id: uuid.UUID, mandate_id: int | None) -> SitePaymentMandate | None:
    return None if mandate_id is None else get_scoped(session, SitePaymentMandate, tenant_id, mandate_id)


def latest_live_write_off_of_invoice(session: Session, tenant_id: uuid.UUID, invoice_id: int) -> int | None:
    """The newest writeOff credit settling the invoice that is not reversed."""
    from ledgerline.models import Credit, CreditTarget
    from ledgerline.models.enums import CreditState, CreditType

    return session.execute(
        select(Credit.id).join(CreditTarget, and_(CreditTarget.tenant_id == Credit.tenant_id,
                                                  CreditTarget.credit_id == Credit.id))
        .where(Credit.tenant_id == tenant_id, CreditTarget.invoice_id == invoice_id,
               Credit.type == CreditType.WRITE_OFF, Credit.state != CreditState.REVERSED)
        .order_by(Credit.id.desc()).limit(1)).scalar_one_or_none()
