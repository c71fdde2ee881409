"""refunds and credits

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 14:53:09.015717
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

import ledgerline.models.base


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TIMESTAMP = ledgerline.models.base.UTCDateTime(timezone=True)
JOURNAL_KINDS = ('INVOICE_POSTED', 'INVOICE_CANCELLED', 'PAYMENT_POSTED', 'PAYMENT_CANCELLED', 'ALLOCATION',
                 'ALLOCATION_REVERSED', 'SHORTFALL_WRITE_OFF', 'BALANCE_ADJUSTMENT')
NEW_JOURNAL_KINDS = ('REFUND', 'WRITE_OFF', 'WRITE_OFF_REVERSED')
CREDIT_TYPES = ('creditDistribution', 'disbursement', 'payment', 'subpayment', 'shortfallWriteOff', 'writeOff')
CREDIT_STATES = ('discarded', 'draft', 'posted', 'reversed', 'validated', 'executed', 'distributed', 'approved',
                 'rejected', 'requested', 'executing', 'failed', 'cancelled')


def upgrade() -> None:
    op.create_table('credit_targets',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('credit_id', BIG_ID, nullable=False),
    sa.Column('invoice_id', BIG_ID, nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_credit_targets_amount_positive')),
    sa.ForeignKeyConstraint(['credit_id'], ['credits.id'], name=op.f('fk_credit_targets_credit_id_credits')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_credit_targets_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_targets'))
    )
    op.create_index('ix_credit_targets_tenant_credit', 'credit_targets', ['tenant_id', 'credit_id'], unique=False)
    op.create_index('ix_credit_targets_tenant_invoice', 'credit_targets', ['tenant_id', 'invoice_id', 'credit_id'], unique=False)
    op.create_table('refunds',
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('customer_id', BIG_ID, nullable=False),
    sa.Column('invoice_id', BIG_ID, nullable=True),
    sa.Column('bill_run_type', sa.Enum('NORMAL', 'ADHOC', name='refund_bill_run_type', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('payment_method', sa.Enum('CHEQUE', 'DIRECT_DEBIT', 'CANCELLED_DD', 'CANCELLED_CARD', 'CREDIT_CARD', 'PAYPAL', 'BACS', 'POST_OFFICE_PAYMENT_CARD', 'EZYPAY', 'GO_CARDLESS', 'GC_INSTANT_BANK_PAYMENTS', 'STRIPE', 'STRIPE_CARD', 'STRIPE_DD', 'FINASTRA', 'FAST_PAY', 'OTHER', name='refund_payment_method', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('third_party_refund_status', sa.Enum('CREATED', 'PENDING_SUBMISSION', 'SUBMITTED', 'PAID', 'CANCELLED', 'BOUNCED', 'FUNDS_RETURNED', 'MANUALLY_REFUNDED', 'REFUND_SETTLED', name='third_party_refund_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('error_info', sa.String(length=255), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('locator', sa.String(length=26), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_refunds_customer_id_customers')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_refunds_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('tenant_id', 'locator', name=op.f('uq_refunds_tenant_id_locator')),
    sa.UniqueConstraint('tenant_id', 'number', name=op.f('uq_refunds_tenant_id_number'))
    )
    op.create_index('ix_refunds_tenant_bill_run_type', 'refunds', ['tenant_id', 'bill_run_type'], unique=False)
    op.create_index('ix_refunds_tenant_created_at', 'refunds', ['tenant_id', 'created_at'], unique=False)
    op.create_index('ix_refunds_tenant_customer', 'refunds', ['tenant_id', 'customer_id', 'id'], unique=False)
    op.create_index('ix_refunds_tenant_invoice', 'refunds', ['tenant_id', 'invoice_id'], unique=False)

    # Shortfall write-offs were 'posted'; seed 002's shortfall states are draft|distributed|reversed.
    op.execute("UPDATE credits SET state = 'distributed' WHERE type = 'shortfallWriteOff' AND state = 'posted'")
    # Each credit's invoice becomes its one target.
    op.execute("INSERT INTO credit_targets (tenant_id, credit_id, invoice_id, amount_minor) "
               "SELECT tenant_id, id, invoice_id, amount_minor FROM credits WHERE invoice_id IS NOT NULL")
    op.drop_index(op.f('ix_credits_tenant_invoice'), table_name='credits')
    op.drop_index(op.f('ix_credits_tenant_customer'), table_name='credits')
    with op.batch_alter_table('credits') as batch:
        batch.add_column(sa.Column('parent_id', BIG_ID, nullable=True))
        batch.add_column(sa.Column('description', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('realized_at', TIMESTAMP, nullable=True))
        batch.add_column(sa.Column('reversal_reason', sa.String(length=255), nullable=True))
        batch.alter_column('type', existing_type=sa.VARCHAR(length=30), existing_nullable=False,
                           type_=sa.Enum(*CREDIT_TYPES, name='credit_type', native_enum=False, create_constraint=True))
        batch.alter_column('state', existing_type=sa.VARCHAR(length=30), existing_nullable=False,
                           type_=sa.Enum(*CREDIT_STATES, name='credit_state', native_enum=False, create_constraint=True))
        batch.drop_constraint(op.f('fk_credits_invoice_id_invoices'), type_='foreignkey')
        batch.create_foreign_key(op.f('fk_credits_parent_id_credits'), 'credits', ['parent_id'], ['id'])
        batch.drop_column('invoice_id')
    op.create_index('ix_credits_tenant_customer', 'credits', ['tenant_id', 'customer_id', 'id'], unique=False)
    op.create_index('ix_credits_tenant_parent', 'credits', ['tenant_id', 'parent_id'], unique=False)
    op.create_index('ix_credits_tenant_payment', 'credits', ['tenant_id', 'payment_id'], unique=False)
    op.create_index('ix_credits_tenant_type', 'credits', ['tenant_id', 'type', 'id'], unique=False)

    with op.batch_alter_table('invoices') as batch:
        batch.add_column(sa.Column('refunded_minor', sa.BigInteger(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('written_off_minor', sa.BigInteger(), nullable=False, server_default='0'))
        batch.create_check_constraint(op.f('ck_invoices_refunded_not_negative'), 'refunded_minor >= 0')
        batch.create_check_constraint(op.f('ck_invoices_written_off_within_total'),
                                      'written_off_minor >= 0 AND written_off_minor <= total_minor')
    with op.batch_alter_table('invoices') as batch:
        batch.alter_column('refunded_minor', existing_type=sa.BigInteger(), server_default=None)
        batch.alter_column('written_off_minor', existing_type=sa.BigInteger(), server_default=None)
    for table in ('payments', 'payment_allocations'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('refunded_minor', sa.BigInteger(), nullable=False, server_default='0'))
            batch.create_check_constraint(op.f(f'ck_{table}_refunded_within_amount'),
                                          'refunded_minor >= 0 AND refunded_minor <= amount_minor')
        with op.batch_alter_table(table) as batch:
            batch.alter_column('refunded_minor', existing_type=sa.BigInteger(), server_default=None)
    with op.batch_alter_table('journal_entries') as batch:
        batch.add_column(sa.Column('refund_id', BIG_ID, nullable=True))
        batch.add_column(sa.Column('credit_id', BIG_ID, nullable=True))
        batch.create_foreign_key(op.f('fk_journal_entries_credit_id_credits'), 'credits', ['credit_id'], ['id'])
        batch.create_foreign_key(op.f('fk_journal_entries_refund_id_refunds'), 'refunds', ['refund_id'], ['id'])
        batch.drop_constraint(op.f('ck_journal_entries_journal_kind'), type_='check')
        batch.create_check_constraint(op.f('ck_journal_entries_journal_kind'),
                                      sa.column('kind').in_(JOURNAL_KINDS + NEW_JOURNAL_KINDS))
    op.create_index('ix_journal_entries_tenant_credit', 'journal_entries', ['tenant_id', 'credit_id'], unique=False)
    op.create_index('ix_journal_entries_tenant_refund', 'journal_entries', ['tenant_id', 'refund_id'], unique=False)
    _backfill_payment_credits()


def _backfill_payment_credits() -> None:
    """Every payment that was posted gets its ``payment`` credit and one ``subpayment`` per allocation,
    as posting writes them from now on; its shortfall write-offs hang under the payment credit."""
    if context.is_offline_mode():
        return  # offline SQL is for empty databases: no payments to backfill
    from ledgerline.kit.ids import new_locator

    bind = op.get_bind()
    credits = sa.table('credits', *(sa.column(name) for name in (
        'id', 'tenant_id', 'locator', 'type', 'state', 'customer_id', 'payment_id', 'parent_id', 'amount_minor',
        'currency', 'created_by', 'created_at', 'realized_at', 'reversed_at', 'reversal_reason')))
    targets = sa.table('credit_targets', *(sa.column(name) for name in (
        'tenant_id', 'credit_id', 'invoice_id', 'amount_minor')))
    payments = bind.execute(sa.text(
        "SELECT id, tenant_id, customer_id, amount_minor, currency, status, created_by, created_at, updated_at "
        "FROM payments WHERE posted_on IS NOT NULL ORDER BY id")).all()
    for payment in payments:
        cancelled = payment.status == 'CANCELLED'
        values = dict(tenant_id=payment.tenant_id, customer_id=payment.customer_id, payment_id=payment.id,
                      currency=payment.currency, created_by=payment.created_by, created_at=payment.created_at,
                      realized_at=payment.created_at, reversed_at=payment.updated_at if cancelled else None,
                      reversal_reason='payment cancelled' if cancelled else None)
        parent_id = bind.execute(credits.insert().returning(credits.c.id), [dict(
            values, locator=new_locator(), type='payment', state='reversed' if cancelled else 'posted',
            parent_id=None, amount_minor=payment.amount_minor)]).scalar_one()
        bind.execute(sa.text("UPDATE credits SET parent_id = :parent WHERE payment_id = :payment AND id <> :parent"),
                     {"parent": parent_id, "payment": payment.id})
        allocations = bind.execute(sa.text(
            "SELECT invoice_id, amount_minor, reversed_at FROM payment_allocations WHERE payment_id = :payment "
            "ORDER BY id"), {"payment": payment.id}).all()
        for allocation in allocations:
            child_id = bind.execute(credits.insert().returning(credits.c.id), [dict(
                values, locator=new_locator(), type='subpayment',
                state='reversed' if allocation.reversed_at is not None else 'posted', parent_id=parent_id,
                amount_minor=allocation.amount_minor, reversed_at=allocation.reversed_at)]).scalar_one()
            bind.execute(targets.insert(), [dict(tenant_id=payment.tenant_id, credit_id=child_id,
                                                 invoice_id=allocation.invoice_id,
                                                 amount_minor=allocation.amount_minor)])


def downgrade() -> None:
    op.execute("DELETE FROM credit_targets WHERE EXISTS (SELECT 1 FROM credits WHERE credits.tenant_id = "
               "credit_targets.tenant_id AND credits.id = credit_targets.credit_id AND type <> 'shortfallWriteOff')")
    op.execute("UPDATE journal_entries SET credit_id = NULL")
    op.execute("DELETE FROM credits WHERE type <> 'shortfallWriteOff'")
    op.drop_index('ix_journal_entries_tenant_refund', table_name='journal_entries')
    op.drop_index('ix_journal_entries_tenant_credit', table_name='journal_entries')
    op.execute("DELETE FROM journal_entries WHERE kind IN ('REFUND', 'WRITE_OFF', 'WRITE_OFF_REVERSED')")
    with op.batch_alter_table('journal_entries') as batch:
        batch.drop_constraint(op.f('fk_journal_entries_refund_id_refunds'), type_='foreignkey')
        batch.drop_constraint(op.f('fk_journal_entries_credit_id_credits'), type_='foreignkey')
        batch.drop_column('credit_id')
        batch.drop_column('refund_id')
        batch.drop_constraint(op.f('ck_journal_entries_journal_kind'), type_='check')
        batch.create_check_constraint(op.f('ck_journal_entries_journal_kind'), sa.column('kind').in_(JOURNAL_KINDS))
    for table in ('payments', 'payment_allocations'):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f'ck_{table}_refunded_within_amount'), type_='check')
            batch.drop_column('refunded_minor')
    with op.batch_alter_table('invoices') as batch:
        batch.drop_constraint(op.f('ck_invoices_written_off_within_total'), type_='check')
        batch.drop_constraint(op.f('ck_invoices_refunded_not_negative'), type_='check')
        batch.drop_column('written_off_minor')
        batch.drop_column('refunded_minor')
    op.drop_index('ix_credits_tenant_type', table_name='credits')
    op.drop_index('ix_credits_tenant_payment', table_name='credits')
    op.drop_index('ix_credits_tenant_parent', table_name='credits')
    op.drop_index('ix_credits_tenant_customer', table_name='credits')
    with op.batch_alter_table('credits') as batch:
        batch.add_column(sa.Column('invoice_id', BIG_ID, nullable=True))
        batch.drop_constraint(op.f('fk_credits_parent_id_credits'), type_='foreignkey')
        batch.create_foreign_key(op.f('fk_credits_invoice_id_invoices'), 'invoices', ['invoice_id'], ['id'])
        batch.alter_column('state', existing_nullable=False, type_=sa.VARCHAR(length=30),
                           existing_type=sa.Enum(*CREDIT_STATES, name='credit_state', native_enum=False,
                                                 create_constraint=True))
        batch.alter_column('type', existing_nullable=False, type_=sa.VARCHAR(length=30),
                           existing_type=sa.Enum(*CREDIT_TYPES, name='credit_type', native_enum=False,
                                                 create_constraint=True))
        batch.drop_column('reversal_reason')
        batch.drop_column('realized_at')
        batch.drop_column('description')
        batch.drop_column('parent_id')
    op.execute("UPDATE credits SET invoice_id = (SELECT t.invoice_id FROM credit_targets t "
               "WHERE t.tenant_id = credits.tenant_id AND t.credit_id = credits.id)")
    op.execute("UPDATE credits SET state = 'posted' WHERE state = 'distributed'")
    op.create_index(op.f('ix_credits_tenant_customer'), 'credits', ['tenant_id', 'customer_id'], unique=False)
    op.create_index(op.f('ix_credits_tenant_invoice'), 'credits', ['tenant_id', 'invoice_id'], unique=False)
    op.drop_index('ix_refunds_tenant_invoice', table_name='refunds')
    op.drop_index('ix_refunds_tenant_customer', table_name='refunds')
    op.drop_index('ix_refunds_tenant_created_at', table_name='refunds')
    op.drop_index('ix_refunds_tenant_bill_run_type', table_name='refunds')
    op.drop_table('refunds')
    op.drop_index('ix_credit_targets_tenant_invoice', table_name='credit_targets')
    op.drop_index('ix_credit_targets_tenant_credit', table_name='credit_targets')
    op.drop_table('credit_targets')
