"""Journal queries: sums per customer and per invoice, compared with the stored figures."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ledgerline.models import (
    Credit, CreditTarget, Customer, GiftCertificate, GiftCertificateRedemption, Invoice, JournalEntry, PaymentAllocation,
    Refund,
)
from ledgerline.models.enums import CreditState, CreditType, InvoiceStatus, JournalKind


def _scoped(stmt, column, tenant_id: uuid.UUID | None):
    return stmt if tenant_id is None else stmt.where(column == tenant_id)


def _per_tenant(summed, table, key_column):  # noqa: ANN001
    """The join of a table to sums grouped by (tenant_id, key): per tenant, so that it never pairs two tenants'
    rows and runs on one shard when the schema is distributed by tenant."""
    return and_(summed.c.tenant_id == table.tenant_id, summed.c.key == key_column)


def _live_credits(credit_type: CreditType):
    """The targets of live credits of one type, joined within the tenant."""
    return (select(CreditTarget.tenant_id, CreditTarget.invoice_id.label("key"),
                   func.sum(CreditTarget.amount_minor).label("total"))
            .join(Credit, and_(Credit.tenant_id == CreditTarget.tenant_id, Credit.id == CreditTarget.credit_id))
            .where(Credit.type == credit_type, Credit.state != CreditState.REVERSED)
            .group_by(CreditTarget.tenant_id, CreditTarget.invoice_id))


def invoice_mismatches(session: Session, tenant_id: uuid.UUID | None) -> Sequence[tuple[int, int, int]]:
    journal = (
        select(JournalEntry.tenant_id, JournalEntry.invoice_id.label("key"),
               func.sum(JournalEntry.outstanding_delta).label("total"))
        .where(JournalEntry.invoice_id.is_not(None))
        .group_by(JournalEntry.tenant_id, JournalEntry.invoice_id)
        .subquery()
    )
    summed = func.coalesce(journal.c.total, 0)
    stmt = (select(Invoice.id, Invoice.outstanding_minor, summed)
            .outerjoin(journal, _per_tenant(journal, Invoice, Invoice.id)))
    stmt = _scoped(stmt, Invoice.tenant_id, tenant_id).where(Invoice.outstanding_minor != summed)
    return [(row[0], row[1], int(row[2])) for row in session.execute(stmt)]


def _customer_journal():
    return (
        select(JournalEntry.tenant_id, JournalEntry.customer_id.label("key"),
               func.sum(JournalEntry.balance_delta).label("balance"), func.sum(JournalEntry.credit_delta).label("credit"))
        .group_by(JournalEntry.tenant_id, JournalEntry.customer_id)
        .subquery()
    )


def credit_mismatches(session: Session, tenant_id: uuid.UUID | None) -> Sequence[tuple[int, int, int]]:
    journal = _customer_journal()
    summed = func.coalesce(journal.c.credit, 0)
    stmt = (select(Customer.id, Customer.credit_minor, summed)
            .outerjoin(journal, _per_tenant(journal, Customer, Customer.id)))
    stmt = _scoped(stmt, Customer.tenant_id, tenant_id).where(Customer.credit_minor != summed)
    return [(row[0], row[1], int(row[2])) for row in session.execute(stmt)]


def balance_mismatches(session: Session, tenant_id: uuid.UUID | None) -> Sequence[tuple[int, int, int]]:
    """DESIGN "Balances": balance = unallocated credit - outstanding of posted invoices."""
    outstanding = (
        select(Invoice.tenant_id, Invoice.customer_id.label("key"), func.sum(Invoice.outstanding_minor).label("outstanding"))
        .where(Invoice.status == InvoiceStatus.POSTED)
        .group_by(Invoice.tenant_id, Invoice.customer_id)
        .subquery()
    )
    journal = _customer_journal()
    stored = Customer.credit_minor - func.coalesce(outstanding.c.outstanding, 0)
    summed = func.coalesce(journal.c.balance, 0)
    stmt = (
        select(Customer.id, stored, summed)
        .outerjoin(outstanding, _per_tenant(outstanding, Customer, Customer.id))
        .outerjoin(journal, _per_tenant(journal, Customer, Customer.id))
    )
    stmt = _scoped(stmt, Customer.tenant_id, tenant_id).where(stored != summed)
    return [(row[0], int(row[1]), int(row[2])) for row in session.execute(stmt)]


def balance_of(session: Session, tenant_id: uuid.UUID, customer_id: int) -> int:
    """The customer's balance in minor units: unallocated credit minus what posted invoices owe.

    Only invoices that owe something are summed (the others add 0), so the partial index of open
    invoices answers it, however many paid invoices the customer has."""
    outstanding = select(func.coalesce(func.sum(Invoice.outstanding_minor), 0)).where(
        Invoice.tenant_id == tenant_id, Invoice.customer_id == customer_id, Invoice.status == InvoiceStatus.POSTED,
        Invoice.outstanding_minor > 0,
    ).scalar_subquery()
    stmt = select(Customer.credit_minor - outstanding).where(Customer.tenant_id == tenant_id, Customer.id == customer_id)
    return int(session.execute(stmt).scalar_one())


def _stored_vs_summed(session: Session, tenant_id: uuid.UUID | None, model, stored, key, amount,
                      *conditions) -> Sequence[tuple[int, int, int]]:
    """Rows of ``model`` whose ``stored`` figure differs from the sum of ``amount`` grouped by ``key``."""
    tenant = key.class_.tenant_id
    summed_by = (select(tenant, key.label("key"), func.sum(amount).label("total")).where(*conditions)
                 .group_by(tenant, key).subquery())
    summed = func.coalesce(summed_by.c.total, 0)
    stmt = select(model.id, stored, summed).outerjoin(summed_by, _per_tenant(summed_by, model, model.id))
    stmt = _scoped(stmt, model.tenant_id, tenant_id).where(stored != summed)
    return [(row[0], int(row[1]), int(row[2])) for row in session.execute(stmt)]


def refund_mismatches(session: Session, tenant_id: uuid.UUID | None) -> Sequence[tuple[int, int, int]]:
    """Each refund's journal entries take exactly its amount off the balance; once a provider said its money
    came back (BOUNCED, FUNDS_RETURNED, CANCELLED) its REFUND_REVERSED entry gives exactly that back."""
    from ledgerline.refunds.planning import RETURNED_STATUSES

    returned = Refund.third_party_refund_status.in_(sorted(RETURNED_STATUSES, key=lambda status: status.value))
    stored = case((returned, 0), else_=-Refund.amount_minor)
    return _stored_vs_summed(session, tenant_id, Refund, stored, JournalEntry.refund_id,
                             JournalEntry.balance_delta, JournalEntry.refund_id.is_not(None))


def refund_reversal_mismatches(session: Session, tenant_id: uuid.UUID | None) -> Sequence[tuple[int, int, int]]:
    """A refund is reversed at most once, and only when its provider said the money came back: its
    REFUND_REVERSED entries add up to its amount then, to nothing otherwise."""
    from ledgerline.refunds.planning import RETURNED_STATUSES

    returned = Refund.third_party_refund_status.in_(sorted(RETURNED_STATUSES, key=lambda status: status.value))
    stored = case((returned, Refund.amount_minor), else_=0)
    return _stored_vs_summed(session, tenant_id, Refund, stored, JournalEntry.refund_id, JournalEntry.balance_delta,
                             JournalEntry.kind == JournalKind.REFUND_REVERSED)


def invoice_refunded_mismatches(session: Session, tenant_id: uuid.UUID | None) -> Sequence[tuple[int, int, int]]:
    """What an invoice says refunds took back is what its allocations say."""
    return _stored_vs_summed(session, tenant_id, Invoice, Invoice.refunded_minor, PaymentAllocation.invoice_id,
                             PaymentAllocation.refunded_minor)


def invoice_written_off_mismatches(session: Session, tenant_id: uuid.UUID | None) -> Sequence[tuple[int, int, int]]:
    """What an invoice says write-offs settled is what its live write-off credits target."""
    written_off = _live_credits(CreditType.WRITE_OFF).subquery()
    summed = func.coalesce(written_off.c.total, 0)
    stmt = (select(Invoice.id, Invoice.written_off_minor, summed)
            .outerjoin(written_off, _per_tenant(written_off, Invoice, Invoice.id)))
    stmt = _scoped(stmt, Invoice.tenant_id, tenant_id).where(Invoice.written_off_minor != summed)
    return [(row[0], int(row[1]), int(row[2])) for row in session.execute(stmt)]


def subpayment_mismatches(session: Session, tenant_id: uuid.UUID | None) -> Sequence[tuple[int, int, int]]:
    """Per invoice, live subpayment credits target what live payment allocations put on it."""
    allocated = (select(PaymentAllocation.tenant_id, PaymentAllocation.invoice_id.label("key"),
                        func.sum(PaymentAllocation.amount_minor).label("total"))
                 .where(PaymentAllocation.reversed_at.is_(None))
                 .group_by(PaymentAllocation.tenant_id, PaymentAllocation.invoice_id).subquery())
    credited = _live_credits(CreditType.SUBPAYMENT).subquery()
    stored, summed = func.coalesce(allocated.c.total, 0), func.coalesce(credited.c.total, 0)
    stmt = (select(Invoice.id, stored, summed)
            .outerjoin(allocated, _per_tenant(allocated, Invoice, Invoice.id))
            .outerjoin(credited, _per_tenant(credited, Invoice, Invoice.id)))
    stmt = _scoped(stmt, Invoice.tenant_id, tenant_id).where(stored != summed)
    return [(row[0], int(row[1]), int(row[2])) for row in session.execute(stmt)]


def distribution_target_mismatches(session: Session, tenant_id: uuid.UUID | None) -> Sequence[tuple[int, int, int]]:
    """Each creditDistribution credit's targets add up to its amount."""
    targeted = (select(CreditTarget.tenant_id, CreditTarget.credit_id.label("key"),
                       func.sum(CreditTarget.amount_minor).label("total"))
                .group_by(CreditTarget.tenant_id, CreditTarget.credit_id).subquery())
    summed = func.coalesce(targeted.c.total, 0)
    stmt = (select(Credit.id, Credit.amount_minor, summed).outerjoin(targeted, _per_tenant(targeted, Credit, Credit.id))
            .where(Credit.type == CreditType.CREDIT_DISTRIBUTION, Credit.amount_minor != summed))
    stmt = _scoped(stmt, Credit.tenant_id, tenant_id)
    return [(row[0], int(row[1]), int(row[2])) for row in session.execute(stmt)]


def distribution_journal_mismatches(session: Session, tenant_id: uuid.UUID | None) -> Sequence[tuple[int, int, int]]:
    """What a creditDistribution credit's journal lines take off invoices: its amount while it is live, nothing
    once it is reversed."""
    journal = (select(JournalEntry.tenant_id, JournalEntry.credit_id.label("key"),
                      func.sum(JournalEntry.outstanding_delta).label("total"))
               .where(JournalEntry.kind.in_([JournalKind.CREDIT_DISTRIBUTED, JournalKind.CREDIT_RETURNED]))
               .group_by(JournalEntry.tenant_id, JournalEntry.credit_id).subquery())
    stored = case((Credit.state == CreditState.REVERSED, 0), else_=-Credit.amount_minor)
    summed = func.coalesce(journal.c.total, 0)
    stmt = (select(Credit.id, stored, summed).outerjoin(journal, _per_tenant(journal, Credit, Credit.id))
            .where(Credit.type == CreditType.CREDIT_DISTRIBUTION, stored != summed))
    stmt = _scoped(stmt, Credit.tenant_id, tenant_id)
    return [(row[0], int(row[1]), int(row[2])) for row in session.execute(stmt)]


def certificate_balance_mismatches(session: Session, tenant_id: uuid.UUID | None) -> Sequence[tuple[int, int, int]]:
    """A certificate's balance is its amount less its live redemptions."""
    redeemed = (select(GiftCertificateRedemption.tenant_id, GiftCertificateRedemption.gift_certificate_id.label("key"),
                       func.sum(GiftCertificateRedemption.amount_minor).label("total"))
                .where(GiftCertificateRedemption.reversed_at.is_(None))
                .group_by(GiftCertificateRedemption.tenant_id, GiftCertificateRedemption.gift_certificate_id).subquery())
    summed = GiftCertificate.amount_minor - func.coalesce(redeemed.c.total, 0)
    stmt = (select(GiftCertificate.id, GiftCertificate.balance_minor, summed)
            .outerjoin(redeemed, _per_tenant(redeemed, GiftCertificate, GiftCertificate.id))
            .where(GiftCertificate.balance_minor != summed))
    stmt = _scoped(stmt, GiftCertificate.tenant_id, tenant_id)
    return [(row[0], int(row[1]), int(row[2])) for row in session.execute(stmt)]


def redemption_journal_mismatches(session: Session, tenant_id: uuid.UUID | None) -> Sequence[tuple[int, int, int]]:
    """A redemption's journal lines bring its amount in while it is live, nothing once it is reversed; and its
    credit distribution is live exactly while it is."""
    journal = (select(JournalEntry.tenant_id, JournalEntry.credit_id.label("key"),
                      func.sum(JournalEntry.balance_delta).label("total"))
               .where(JournalEntry.kind.in_([JournalKind.GIFT_REDEEMED, JournalKind.GIFT_RESTORED]))
               .group_by(JournalEntry.tenant_id, JournalEntry.credit_id).subquery())
    live = GiftCertificateRedemption.reversed_at.is_(None)
    stored = case((live, GiftCertificateRedemption.amount_minor), else_=0)
    summed = func.coalesce(journal.c.total, 0)
    distributed = case((Credit.state == CreditState.REVERSED, 0), else_=Credit.amount_minor)
    stmt = (select(GiftCertificateRedemption.id, stored, summed)
            .outerjoin(journal, _per_tenant(journal, GiftCertificateRedemption, GiftCertificateRedemption.credit_id))
            .outerjoin(Credit, and_(Credit.tenant_id == GiftCertificateRedemption.tenant_id,
                                    Credit.id == GiftCertificateRedemption.credit_id))
            .where((stored != summed) | (stored != func.coalesce(distributed, 0))))
    stmt = _scoped(stmt, GiftCertificateRedemption.tenant_id, tenant_id)
    return [(row[0], int(row[1]), int(row[2])) for row in session.execute(stmt)]
