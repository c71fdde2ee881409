"""Gift certificate queries: the rows /v1 lists, and the locked snapshots redemptions draw on.

Redemptions lock certificates ``FOR UPDATE`` (plain: the balance changes, and no other table's
foreign key check needs to pass meanwhile), always in id order and after the customer and its
invoices, so two payments redeeming one certificate serialize and never deadlock.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from ledgerline.kit.bulk import expire_rows, insert_rows
from ledgerline.kit.criteria import ColumnMap, amount, choice, day, ident, text
from ledgerline.kit.repository import TenantRows
from ledgerline.models import GiftCertificate, GiftCertificateRedemption
from ledgerline.models.base import utcnow
from ledgerline.models.enums import GiftCertificateStatus
from ledgerline.payments.planning import CertificateSnapshot, LiveRedemption

CERTIFICATE_COLUMNS = ColumnMap({
    "id": ident(GiftCertificate.id),
    "code": text(GiftCertificate.code),
    "currency": text(GiftCertificate.currency),
    "customer_id": ident(GiftCertificate.customer_id),
    "status": choice(GiftCertificate.status, GiftCertificateStatus),
    "amount": amount(GiftCertificate.amount_minor, GiftCertificate.currency),
    "balance": amount(GiftCertificate.balance_minor, GiftCertificate.currency),
    "expires_on": day(GiftCertificate.expires_on),
    "created_at": day(GiftCertificate.created_at),
}, tiebreak=GiftCertificate.id)

CERTIFICATES = TenantRows(GiftCertificate, CERTIFICATE_COLUMNS)

_CERTIFICATES = GiftCertificate.__table__
_REDEMPTIONS = GiftCertificateRedemption.__table__
_SNAPSHOT = (_CERTIFICATES.c.id, _CERTIFICATES.c.code, _CERTIFICATES.c.currency, _CERTIFICATES.c.balance_minor,
             _CERTIFICATES.c.status, _CERTIFICATES.c.expires_on, _CERTIFICATES.c.customer_id)


def code_taken(session: Session, tenant_id: uuid.UUID, code: str) -> bool:
    return session.execute(select(_CERTIFICATES.c.id).where(_CERTIFICATES.c.tenant_id == tenant_id,
                                                            _CERTIFICATES.c.code == code)).first() is not None


def lock_by_codes(session: Session, tenant_id: uuid.UUID, codes: Sequence[str]) -> dict[str, CertificateSnapshot]:
    """The certificates of the codes that exist, locked in id order."""
    if not codes:
        return {}
    stmt = (select(*_SNAPSHOT).where(_CERTIFICATES.c.tenant_id == tenant_id, _CERTIFICATES.c.code.in_(set(codes)))
            .order_by(_CERTIFICATES.c.id).with_for_update())
    return {row.code: CertificateSnapshot(*row) for row in session.execute(stmt)}


def lock_by_ids(session: Session, tenant_id: uuid.UUID, ids: Sequence[int]) -> None:
    if ids:
        session.execute(select(_CERTIFICATES.c.id).where(_CERTIFICATES.c.tenant_id == tenant_id,
                                                         _CERTIFICATES.c.id.in_(sorted(set(ids))))
                        .order_by(_CERTIFICATES.c.id).with_for_update()).all()


def change_balances(session: Session, tenant_id: uuid.UUID, deltas: Mapping[int, int], actor: str | None) -> None:
    """Each certificate's balance moved by its delta (the rows are locked)."""
    for certificate_id, delta in sorted(deltas.items()):
        session.execute(update(_CERTIFICATES)
                        .where(_CERTIFICATES.c.tenant_id == tenant_id, _CERTIFICATES.c.id == certificate_id)
                        .values(balance_minor=_CERTIFICATES.c.balance_minor + delta, updated_by=actor,
                                version=_CERTIFICATES.c.version + 1, updated_at=utcnow()))
    expire_rows(session, GiftCertificate, list(deltas))


def insert_redemptions(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    insert_rows(session, _REDEMPTIONS, rows)


def live_redemptions(session: Session, tenant_id: uuid.UUID, payment_id: int) -> list[LiveRedemption]:
    stmt = (select(_REDEMPTIONS.c.id, _REDEMPTIONS.c.gift_certificate_id, _REDEMPTIONS.c.credit_id,
                   _REDEMPTIONS.c.amount_minor)
            .where(_REDEMPTIONS.c.tenant_id == tenant_id, _REDEMPTIONS.c.payment_id == payment_id,
                   _REDEMPTIONS.c.reversed_at.is_(None))
            .order_by(_REDEMPTIONS.c.id))
    return [LiveRedemption(*row) for row in session.execute(stmt)]


def reverse_redemptions(session: Session, tenant_id: uuid.UUID, ids: Sequence[int], now: dt.datetime) -> None:
    if ids:
        session.execute(update(_REDEMPTIONS).where(_REDEMPTIONS.c.tenant_id == tenant_id, _REDEMPTIONS.c.id.in_(ids))
                        .values(reversed_at=now))


def redemptions_by_payment(session: Session, tenant_id: uuid.UUID,
                           payment_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Live redemptions of the payments with their certificates' codes, oldest first: one query."""
    if not payment_ids:
        return {}
    stmt = (select(_REDEMPTIONS.c.payment_id, _REDEMPTIONS.c.gift_certificate_id, _CERTIFICATES.c.code,
                   _REDEMPTIONS.c.amount_minor, _REDEMPTIONS.c.currency, _REDEMPTIONS.c.credit_id)
            .join(_CERTIFICATES, and_(_CERTIFICATES.c.tenant_id == _REDEMPTIONS.c.tenant_id,
                                      _CERTIFICATES.c.id == _REDEMPTIONS.c.gift_certificate_id))
            .where(_REDEMPTIONS.c.tenant_id == tenant_id, _REDEMPTIONS.c.payment_id.in_(payment_ids),
                   _REDEMPTIONS.c.reversed_at.is_(None))
            .order_by(_REDEMPTIONS.c.id))
    found: dict[int, list[Any]] = {}
    for row in session.execute(stmt):
        found.setdefault(row.payment_id, []).append(row)
    return found
