"""invoice payments as rows of their own (branch invpay)

Seed 000's invoice payments and adhoc invoice payments become events with their own identity: a row
per recorded event, linked to the payment its collected money posted (or the refund that returned
money), kept when that payment is cancelled. Payments recorded through /v1/invoice-payments before this
revision (the only ones with a third-party status) each get their row.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

import ledgerline.models.base
from ledgerline.kit.ids import new_locator, new_uuid

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TIMESTAMP = ledgerline.models.base.UTCDateTime(timezone=True)
METHODS = ('CHEQUE', 'DIRECT_DEBIT', 'CANCELLED_DD', 'CANCELLED_CARD', 'CREDIT_CARD', 'PAYPAL', 'BACS',
           'POST_OFFICE_PAYMENT_CARD', 'EZYPAY', 'GO_CARDLESS', 'GC_INSTANT_BANK_PAYMENTS', 'STRIPE', 'STRIPE_CARD',
           'STRIPE_DD', 'FINASTRA', 'FAST_PAY', 'OTHER')


def upgrade() -> None:
    op.create_table('invoice_payments',
    sa.Column('invoice_id', BIG_ID, nullable=False),
    sa.Column('customer_id', BIG_ID, nullable=False),
    sa.Column('bill_run_type', sa.Enum('NORMAL', 'ADHOC', name='invoice_payment_bill_run_type', native_enum=False,
                                       create_constraint=True), nullable=False),
    sa.Column('payment_id', BIG_ID, nullable=True),
    sa.Column('refund_id', BIG_ID, nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('third_party_status', sa.String(length=40), nullable=True),
    sa.Column('payment_method', sa.Enum(*METHODS, name='invoice_payment_method', native_enum=False,
                                        create_constraint=True), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('error_info', sa.String(length=255), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('locator', sa.String(length=26), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.CheckConstraint('amount_minor <> 0', name=op.f('ck_invoice_payments_amount_not_zero')),
    sa.CheckConstraint('payment_id IS NULL OR amount_minor > 0',
                       name=op.f('ck_invoice_payments_payment_only_for_money_in')),
    sa.CheckConstraint('refund_id IS NULL OR amount_minor < 0',
                       name=op.f('ck_invoice_payments_refund_only_for_money_out')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_invoice_payments_customer_id_customers')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_payments_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_invoice_payments_payment_id_payments')),
    sa.ForeignKeyConstraint(['refund_id'], ['refunds.id'], name=op.f('fk_invoice_payments_refund_id_refunds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_payments')),
    sa.UniqueConstraint('tenant_id', 'locator', name=op.f('uq_invoice_payments_tenant_id_locator'))
    )
    op.create_index('ix_invoice_payments_tenant_invoice', 'invoice_payments', ['tenant_id', 'invoice_id', 'id'])
    op.create_index('ix_invoice_payments_tenant_payment', 'invoice_payments', ['tenant_id', 'payment_id'])
    op.create_index('ix_invoice_payments_tenant_refund', 'invoice_payments', ['tenant_id', 'refund_id'])
    op.create_index('ix_invoice_payments_tenant_type_id', 'invoice_payments', ['tenant_id', 'bill_run_type', 'id'])
    op.create_index('ix_invoice_payments_tenant_type_paid_on', 'invoice_payments',
                    ['tenant_id', 'bill_run_type', 'paid_on', 'id'])
    _rows_for_earlier_invoice_payments()


def _rows_for_earlier_invoice_payments() -> None:
    """Before this revision an invoice payment was a payment with a third-party status, meant for one invoice."""
    if context.is_offline_mode():
        return  # offline SQL is for empty databases (as in 0006): no payments to give rows
    connection = op.get_bind()
    payments = sa.table('payments', *(sa.column(name) for name in (
        'id', 'tenant_id', 'customer_id', 'currency', 'amount_minor', 'status', 'third_party_status', 'notes',
        'received_on', 'created_by')), sa.column('payment_method', sa.String()), sa.column('invoices_to_pay', sa.JSON()),
        sa.column('created_at', TIMESTAMP))
    invoices = sa.table('invoices', sa.column('id'), sa.column('tenant_id'), sa.column('bill_run_type'))
    # Provider collections (0011) carry a third-party status too, but they are not recorded invoice payments.
    collections = sa.table('provider_collections', sa.column('tenant_id'), sa.column('payment_id'))
    rows = connection.execute(sa.select(payments).where(
        payments.c.third_party_status.is_not(None),
        ~sa.exists().where(collections.c.tenant_id == payments.c.tenant_id, collections.c.payment_id == payments.c.id))
        .order_by(payments.c.id)).mappings().all()
    meant = {row['id']: row['invoices_to_pay'][0] for row in rows if row['invoices_to_pay']}
    if not meant:
        return
    kinds = dict(connection.execute(sa.select(invoices.c.id, invoices.c.bill_run_type)
                                    .where(invoices.c.id.in_(set(meant.values())))).all())
    target = sa.table('invoice_payments', *(sa.column(name) for name in (
        'invoice_id', 'customer_id', 'bill_run_type', 'payment_id', 'currency', 'amount_minor', 'third_party_status',
        'payment_method', 'description', 'paid_on', 'created_by', 'tenant_id', 'locator', 'version')),
        sa.column('uuid', sa.Uuid()), sa.column('created_at', TIMESTAMP), sa.column('updated_at', TIMESTAMP))
    values = [{
        'invoice_id': meant[row['id']], 'customer_id': row['customer_id'], 'bill_run_type': kinds[meant[row['id']]],
        # Only posted (or since cancelled) payments settled anything; a draft never did.
        'payment_id': row['id'] if row['status'] in ('POSTED', 'CANCELLED') else None,
        'currency': row['currency'], 'amount_minor': row['amount_minor'],
        'third_party_status': row['third_party_status'], 'payment_method': row['payment_method'],
        'description': row['notes'], 'paid_on': row['received_on'], 'created_by': row['created_by'],
        'tenant_id': row['tenant_id'], 'locator': new_locator(), 'uuid': new_uuid(), 'version': 1,
        'created_at': row['created_at'], 'updated_at': row['created_at'],
    } for row in rows if row['id'] in meant and meant[row['id']] in kinds]
    if values:
        connection.execute(target.insert(), values)


def downgrade() -> None:
    op.drop_index('ix_invoice_payments_tenant_type_paid_on', table_name='invoice_payments')
    op.drop_index('ix_invoice_payments_tenant_type_id', table_name='invoice_payments')
    op.drop_index('ix_invoice_payments_tenant_refund', table_name='invoice_payments')
    op.drop_index('ix_invoice_payments_tenant_payment', table_name='invoice_payments')
    op.drop_index('ix_invoice_payments_tenant_invoice', table_name='invoice_payments')
    op.drop_table('invoice_payments')
