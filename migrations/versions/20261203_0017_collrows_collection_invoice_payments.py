"""provider collections as invoice payment rows (branch collrows)

Issue 14: a submission to a payment provider is an invoice payment event (seed 000), so every provider
collection now writes its /v1/invoice-payments row when it is submitted, and the row follows the
collection's events. 0015 left the collections of its time without rows; this revision gives each one
(kind ``collection``, with its payment) its row, as the collection stands now. Data only: no schema
change.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

import ledgerline.models.base
from ledgerline.kit.ids import new_locator, new_uuid

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = ledgerline.models.base.UTCDateTime(timezone=True)
# providers/planning.py FAILED, as of this revision: a failed collection's row says what the provider reported.
FAILED = ('FAILED', 'CUSTOMER_APPROVAL_DENIED', 'UNSUPPORTED_PAYMENT_TYPE', 'UNAUTHORISED_PAYMENT_TYPE',
          'CUSTOMER_APPROVAL_MISSING')


def upgrade() -> None:
    if context.is_offline_mode():
        return  # offline SQL is for empty databases (as in 0015): no collections to give rows
    connection = op.get_bind()
    collections = sa.table('provider_collections', *(sa.column(name) for name in (
        'id', 'tenant_id', 'provider_id', 'payment_id', 'invoice_id', 'customer_id', 'kind', 'amount_minor',
        'currency', 'status')), sa.column('submitted_at', TIMESTAMP), sa.column('updated_at', TIMESTAMP))
    payments = sa.table('payments', sa.column('id'), sa.column('tenant_id'), sa.column('payment_method', sa.String()),
                        sa.column('notes'))
    invoices = sa.table('invoices', sa.column('id'), sa.column('tenant_id'), sa.column('bill_run_type'))
    rows = sa.table('invoice_payments', sa.column('payment_id'), sa.column('tenant_id'))
    found = connection.execute(
        sa.select(collections, payments.c.payment_method, payments.c.notes, invoices.c.bill_run_type)
        .join(payments, sa.and_(payments.c.tenant_id == collections.c.tenant_id,
                                payments.c.id == collections.c.payment_id))
        .join(invoices, sa.and_(invoices.c.tenant_id == collections.c.tenant_id,
                                invoices.c.id == collections.c.invoice_id))
        .where(collections.c.kind == 'collection', collections.c.amount_minor > 0,
               ~sa.exists().where(rows.c.tenant_id == collections.c.tenant_id,
                                  rows.c.payment_id == collections.c.payment_id))
        .order_by(collections.c.id)).mappings().all()
    if not found:
        return
    target = sa.table('invoice_payments', *(sa.column(name) for name in (
        'invoice_id', 'customer_id', 'bill_run_type', 'payment_id', 'currency', 'amount_minor', 'third_party_status',
        'payment_method', 'description', 'error_info', 'paid_on', 'created_by', 'tenant_id', 'locator', 'version')),
        sa.column('uuid', sa.Uuid()), sa.column('created_at', TIMESTAMP), sa.column('updated_at', TIMESTAMP))
    connection.execute(target.insert(), [{
        'invoice_id': row['invoice_id'], 'customer_id': row['customer_id'], 'bill_run_type': row['bill_run_type'],
        'payment_id': row['payment_id'], 'currency': row['currency'], 'amount_minor': row['amount_minor'],
        'third_party_status': row['status'], 'payment_method': row['payment_method'], 'description': row['notes'],
        'error_info': f"the payment provider reported {row['status']}" if row['status'] in FAILED else None,
        'paid_on': row['submitted_at'].date(), 'created_by': f"provider:{row['provider_id']}",
        'tenant_id': row['tenant_id'], 'locator': new_locator(), 'uuid': new_uuid(), 'version': 1,
        'created_at': row['submitted_at'], 'updated_at': row['updated_at'],
    } for row in found])


def downgrade() -> None:
    """The rows stay: they are invoice payment events like any other, and 0015's table keeps them."""
