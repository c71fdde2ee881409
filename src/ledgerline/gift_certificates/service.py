"""Gift certificate use cases: issue, read, deactivate. Redemption is a payment tender: see
``payments/service.py`` (``NewPayment.gift_certificates``), which draws the balance down under a row
lock and gives it back when the payment is cancelled."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ledgerline.errors import Conflict, InvalidRequest, not_found
from ledgerline.gift_certificates import repository
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.money import Money, MoneyError, is_currency
from ledgerline.kit.repository import get_scoped
from ledgerline.models import Customer, GiftCertificate
from ledgerline.models.base import utcnow
from ledgerline.models.enums import GiftCertificateStatus


def get_certificate(session: Session, *, tenant_id: uuid.UUID, certificate_id: int,
                    for_update: bool = False) -> GiftCertificate:
    certificate = get_scoped(session, GiftCertificate, tenant_id, certificate_id, for_update=for_update)
    if certificate is None:
        raise not_found("Gift certificate", certificate_id)
    return certificate


def create_certificate(session: Session, *, tenant_id: uuid.UUID, code: str, currency: str, amount: Decimal,
                       customer_id: int | None = None, expires_on: dt.date | None = None,
                       description: str | None = None, actor: str | None = None) -> GiftCertificate:
    """An ACTIVE certificate whose balance is its amount. The code is unique in the tenant (409); a customer
    named must exist and hold the certificate's currency; an expiry is today or later."""
    code = code.strip()
    if not code:
        raise InvalidRequest.for_field("code", "must not be blank")
    if not is_currency(currency):
        raise InvalidRequest.for_field("currency", f"'{currency}' is not an ISO 4217 currency code")
    try:
        money = Money.of(amount, currency)
    except MoneyError as exc:
        raise InvalidRequest.for_field("amount", str(exc)) from None
    if not money.is_positive:
        raise InvalidRequest.for_field("amount", "must be greater than zero")
    if expires_on is not None and expires_on < utcnow().date():
        raise InvalidRequest.for_field("expires_on", "must not be in the past")
    if customer_id is not None:
        customer = get_scoped(session, Customer, tenant_id, customer_id)
        if customer is None:
            raise InvalidRequest.for_field("customer", f"customer {customer_id} does not exist")
        if customer.currency != currency:
            raise InvalidRequest.for_field("currency", f"customer {customer_id} pays in {customer.currency}")
    if repository.code_taken(session, tenant_id, code):
        raise Conflict(f"a gift certificate with the code {code!r} exists already")
    certificate = GiftCertificate(
        tenant_id=tenant_id, code=code, currency=currency, amount_minor=money.minor, balance_minor=money.minor,
        customer_id=customer_id, expires_on=expires_on, status=GiftCertificateStatus.ACTIVE,
        description=description, created_by=actor, updated_by=actor)
    session.add(certificate)
    session.flush()
    return certificate


def update_certificate(session: Session, *, certificate: GiftCertificate, changes: dict[str, Any],
                       actor: str | None = None) -> GiftCertificate:
    """Deactivate (status INACTIVE: it can no longer be redeemed, its balance stays as it is) or describe a
    certificate (locked by the caller). A deactivated certificate stays inactive (409)."""
    unknown = set(changes) - {"status", "description"}
    if unknown:
        raise InvalidRequest.for_field(sorted(unknown)[0], "cannot change; only status and description can")
    status = changes.get("status", certificate.status)
    if certificate.status is GiftCertificateStatus.INACTIVE and status is GiftCertificateStatus.ACTIVE:
        raise Conflict(f"gift certificate {certificate.id} is deactivated; it cannot be activated again")
    for attribute, value in changes.items():
        setattr(certificate, attribute, value)
    if actor is not None:
        certificate.updated_by = actor
    session.flush()
    return certificate


def list_certificates(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.CERTIFICATES.page(session, tenant_id, criteria)


def count_certificates(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.CERTIFICATES.count(session, tenant_id, criteria)
