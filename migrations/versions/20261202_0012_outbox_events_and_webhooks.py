"""The outbox of domain events, webhook endpoints, deliveries and the delivery log (issue 16 items 1-3)

Events are written in the transaction of the change that causes them; the worker fans them out to
webhook deliveries and logs every attempt.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 22:35:55.528467
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import ledgerline.models.base


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('sequence', sa.BigInteger(), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('tenant_id', 'customer_id', 'sequence', name=op.f('uq_events_tenant_id_customer_id_sequence'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_tenant_created_at', ['tenant_id', 'created_at'], unique=False)
        batch_op.create_index('ix_events_tenant_type', ['tenant_id', 'type'], unique=False)
        batch_op.create_index('ix_events_undispatched', ['id'], unique=False, postgresql_where=sa.text('dispatched_at IS NULL'), sqlite_where=sa.text('dispatched_at IS NULL'))

    op.create_table('webhook_endpoints',
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('enabled_events', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('ENABLED', 'DISABLED', name='webhook_endpoint_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('disabled_reason', sa.String(length=255), nullable=True),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('previous_secret', sa.String(length=100), nullable=True),
    sa.Column('previous_secret_expires_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failing_since', ledgerline.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('locator', sa.String(length=26), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints')),
    sa.UniqueConstraint('tenant_id', 'locator', name=op.f('uq_webhook_endpoints_tenant_id_locator'))
    )
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_endpoints_tenant_status', ['tenant_id', 'status'], unique=False)
        batch_op.create_index('ix_webhook_endpoints_tenant_url', ['tenant_id', 'url'], unique=False)

    op.create_table('webhook_deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('endpoint_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('sequence', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.Enum('PENDING', 'DELIVERED', 'FAILED', name='webhook_delivery_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('replay', sa.Boolean(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('leased_until', ledgerline.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_attempt_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'], name=op.f('fk_webhook_deliveries_endpoint_id_webhook_endpoints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_webhook_deliveries_event_id_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries'))
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_due', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'PENDING'"), sqlite_where=sa.text("status = 'PENDING'"))
        batch_op.create_index('ix_webhook_deliveries_stream', ['endpoint_id', 'customer_id', 'sequence'], unique=False, postgresql_where=sa.text("status = 'PENDING'"), sqlite_where=sa.text("status = 'PENDING'"))
        batch_op.create_index('ix_webhook_deliveries_tenant_endpoint', ['tenant_id', 'endpoint_id'], unique=False)
        batch_op.create_index('ix_webhook_deliveries_tenant_event', ['tenant_id', 'event_id'], unique=False)
        batch_op.create_index('ix_webhook_deliveries_tenant_status', ['tenant_id', 'status'], unique=False)

    op.create_table('webhook_attempts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('delivery_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('attempted_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.Enum('DELIVERED', 'REFUSED', 'UNREACHABLE', name='webhook_attempt_outcome', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('answer_excerpt', sa.Text(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_deliveries.id'], name=op.f('fk_webhook_attempts_delivery_id_webhook_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_attempts'))
    )
    with op.batch_alter_table('webhook_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_attempts_delivery', ['delivery_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('webhook_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_attempts_delivery')

    op.drop_table('webhook_attempts')
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_tenant_status')
        batch_op.drop_index('ix_webhook_deliveries_tenant_event')
        batch_op.drop_index('ix_webhook_deliveries_tenant_endpoint')
        batch_op.drop_index('ix_webhook_deliveries_stream', postgresql_where=sa.text("status = 'PENDING'"), sqlite_where=sa.text("status = 'PENDING'"))
        batch_op.drop_index('ix_webhook_deliveries_due', postgresql_where=sa.text("status = 'PENDING'"), sqlite_where=sa.text("status = 'PENDING'"))

    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_endpoints_tenant_url')
        batch_op.drop_index('ix_webhook_endpoints_tenant_status')

    op.drop_table('webhook_endpoints')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_undispatched', postgresql_where=sa.text('dispatched_at IS NULL'), sqlite_where=sa.text('dispatched_at IS NULL'))
        batch_op.drop_index('ix_events_tenant_type')
        batch_op.drop_index('ix_events_tenant_created_at')

    op.drop_table('events')
