"""Gift certificates and their redemptions; journal kinds of spent credit; payments of no cash

A payment paid with customer credit or gift certificates alone has no cash amount, so payments and
their cancellations may be of zero. Credit distributions and gift redemptions are journaled.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 22:36:44.256818
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import ledgerline.models.base


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JOURNAL_KINDS = ('INVOICE_POSTED', 'INVOICE_CANCELLED', 'PAYMENT_POSTED', 'PAYMENT_CANCELLED', 'ALLOCATION',
                 'ALLOCATION_REVERSED', 'SHORTFALL_WRITE_OFF', 'BALANCE_ADJUSTMENT', 'REFUND', 'WRITE_OFF',
                 'WRITE_OFF_REVERSED')
NEW_JOURNAL_KINDS = ('CREDIT_DISTRIBUTED', 'CREDIT_RETURNED', 'GIFT_REDEEMED', 'GIFT_RESTORED')


def _journal_kinds(kinds: tuple[str, ...]) -> None:
    with op.batch_alter_table('journal_entries') as batch:
        batch.drop_constraint(op.f('ck_journal_entries_journal_kind'), type_='check')
        batch.create_check_constraint(op.f('ck_journal_entries_journal_kind'), sa.column('kind').in_(kinds))


def _amounts(positive: bool) -> None:
    old, new = ('amount_not_negative', 'amount_positive') if positive else ('amount_positive', 'amount_not_negative')
    for table in ('payments', 'payment_cancellations'):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f'ck_{table}_{old}'), type_='check')
            batch.create_check_constraint(op.f(f'ck_{table}_{new}'), 'amount_minor > 0' if positive
                                          else 'amount_minor >= 0')


def upgrade() -> None:
    op.create_table('gift_certificates',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('balance_minor', sa.BigInteger(), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('ACTIVE', 'INACTIVE', name='gift_certificate_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.Column('updated_by', sa.String(length=100), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('locator', sa.String(length=26), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_gift_certificates_amount_positive')),
    sa.CheckConstraint('balance_minor >= 0 AND balance_minor <= amount_minor', name=op.f('ck_gift_certificates_balance_within_amount')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_gift_certificates_customer_id_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gift_certificates')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_gift_certificates_tenant_id_code')),
    sa.UniqueConstraint('tenant_id', 'locator', name=op.f('uq_gift_certificates_tenant_id_locator'))
    )
    with op.batch_alter_table('gift_certificates', schema=None) as batch_op:
        batch_op.create_index('ix_gift_certificates_tenant_created_at', ['tenant_id', 'created_at'], unique=False)
        batch_op.create_index('ix_gift_certificates_tenant_customer', ['tenant_id', 'customer_id'], unique=False)
        batch_op.create_index('ix_gift_certificates_tenant_expires_on', ['tenant_id', 'expires_on'], unique=False)
        batch_op.create_index('ix_gift_certificates_tenant_status', ['tenant_id', 'status'], unique=False)

    op.create_table('gift_certificate_redemptions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('gift_certificate_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('credit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reversed_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_gift_certificate_redemptions_amount_positive')),
    sa.ForeignKeyConstraint(['credit_id'], ['credits.id'], name=op.f('fk_gift_certificate_redemptions_credit_id_credits')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_gift_certificate_redemptions_customer_id_customers')),
    sa.ForeignKeyConstraint(['gift_certificate_id'], ['gift_certificates.id'], name=op.f('fk_gift_certificate_redemptions_gift_certificate_id_gift_certificates')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_gift_certificate_redemptions_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gift_certificate_redemptions'))
    )
    with op.batch_alter_table('gift_certificate_redemptions', schema=None) as batch_op:
        batch_op.create_index('ix_gift_certificate_redemptions_tenant_certificate', ['tenant_id', 'gift_certificate_id'], unique=False)
        batch_op.create_index('ix_gift_certificate_redemptions_tenant_payment', ['tenant_id', 'payment_id'], unique=False)
    _journal_kinds(JOURNAL_KINDS + NEW_JOURNAL_KINDS)
    _amounts(positive=False)
    with op.batch_alter_table('payments') as batch:
        batch.add_column(sa.Column('credit_applied_minor', sa.BigInteger(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('gift_applied_minor', sa.BigInteger(), nullable=False, server_default='0'))
        batch.create_check_constraint(op.f('ck_payments_applied_not_negative'),
                                      'credit_applied_minor >= 0 AND gift_applied_minor >= 0')
    with op.batch_alter_table('payments') as batch:
        batch.alter_column('credit_applied_minor', existing_type=sa.BigInteger(), server_default=None)
        batch.alter_column('gift_applied_minor', existing_type=sa.BigInteger(), server_default=None)


def downgrade() -> None:
    # What the new kinds recorded goes with them (as 0006's downgrade does with its kinds).
    op.execute("DELETE FROM journal_entries WHERE kind IN ('CREDIT_DISTRIBUTED', 'CREDIT_RETURNED', "
               "'GIFT_REDEEMED', 'GIFT_RESTORED')")
    _journal_kinds(JOURNAL_KINDS)
    with op.batch_alter_table('payments') as batch:
        batch.drop_constraint(op.f('ck_payments_applied_not_negative'), type_='check')
        batch.drop_column('gift_applied_minor')
        batch.drop_column('credit_applied_minor')
    _amounts(positive=True)
    with op.batch_alter_table('gift_certificate_redemptions', schema=None) as batch_op:
        batch_op.drop_index('ix_gift_certificate_redemptions_tenant_payment')
        batch_op.drop_index('ix_gift_certificate_redemptions_tenant_certificate')

    op.drop_table('gift_certificate_redemptions')
    with op.batch_alter_table('gift_certificates', schema=None) as batch_op:
        batch_op.drop_index('ix_gift_certificates_tenant_status')
        batch_op.drop_index('ix_gift_certificates_tenant_expires_on')
        batch_op.drop_index('ix_gift_certificates_tenant_customer')
        batch_op.drop_index('ix_gift_certificates_tenant_created_at')

    op.drop_table('gift_certificates')
