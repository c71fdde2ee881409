"""refunds through payment providers (branch provrefunds)

A refund of money a provider collected is paid out by that provider: ``provider_refunds`` holds the
provider's reference, the collection it returns money of, and what the refund took back, so a bounce
restores exactly that (journaled as REFUND_REVERSED).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 03:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ledgerline.models.base

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TIMESTAMP = ledgerline.models.base.UTCDateTime(timezone=True)
JOURNAL_KINDS = ('INVOICE_POSTED', 'INVOICE_CANCELLED', 'PAYMENT_POSTED', 'PAYMENT_CANCELLED', 'ALLOCATION',
                 'ALLOCATION_REVERSED', 'SHORTFALL_WRITE_OFF', 'BALANCE_ADJUSTMENT', 'REFUND', 'WRITE_OFF',
                 'WRITE_OFF_REVERSED', 'CREDIT_DISTRIBUTED', 'CREDIT_RETURNED', 'GIFT_REDEEMED', 'GIFT_RESTORED')
NEW_JOURNAL_KINDS = ('REFUND_REVERSED',)


def _journal_kinds(kinds: tuple[str, ...]) -> None:
    with op.batch_alter_table('journal_entries') as batch:
        batch.drop_constraint(op.f('ck_journal_entries_journal_kind'), type_='check')
        batch.create_check_constraint(op.f('ck_journal_entries_journal_kind'), sa.column('kind').in_(kinds))


def upgrade() -> None:
    op.create_table('provider_refunds',
    sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('provider_id', BIG_ID, nullable=False),
    sa.Column('refund_id', BIG_ID, nullable=False),
    sa.Column('customer_id', BIG_ID, nullable=False),
    sa.Column('collection_id', BIG_ID, nullable=True),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('draws', sa.JSON(), nullable=False),
    sa.Column('submitted_at', TIMESTAMP, nullable=False),
    sa.Column('resolved_at', TIMESTAMP, nullable=True),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_provider_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['collection_id'], ['provider_collections.id'],
                            name=op.f('fk_provider_refunds_collection_id_provider_collections')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_provider_refunds_customer_id_customers')),
    sa.ForeignKeyConstraint(['provider_id'], ['payment_providers.id'],
                            name=op.f('fk_provider_refunds_provider_id_payment_providers')),
    sa.ForeignKeyConstraint(['refund_id'], ['refunds.id'], name=op.f('fk_provider_refunds_refund_id_refunds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_refunds')),
    sa.UniqueConstraint('tenant_id', 'provider_id', 'reference',
                        name=op.f('uq_provider_refunds_tenant_id_provider_id_reference')),
    sa.UniqueConstraint('tenant_id', 'refund_id', name=op.f('uq_provider_refunds_tenant_id_refund_id'))
    )
    op.create_index('ix_provider_refunds_tenant_open', 'provider_refunds', ['tenant_id', 'resolved_at', 'submitted_at'],
                    unique=False)
    _journal_kinds(JOURNAL_KINDS + NEW_JOURNAL_KINDS)


def downgrade() -> None:
    # What the new kind recorded goes with it (as 0010's downgrade does with its kinds).
    op.execute("DELETE FROM journal_entries WHERE kind = 'REFUND_REVERSED'")
    _journal_kinds(JOURNAL_KINDS)
    op.drop_index('ix_provider_refunds_tenant_open', table_name='provider_refunds')
    op.drop_table('provider_refunds')
