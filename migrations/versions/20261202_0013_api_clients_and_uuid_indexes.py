"""Exsited surface: OAuth2 API clients, their refresh tokens, and uuid lookups (branch exsited)

Exsited's SDK authenticates with client credentials (``POST /api/v1/oauth2/token``); each client
belongs to one tenant and keeps its secret hashed. Exsited names payments, invoices and accounts
by number or uuid, so the uuid lookups get (tenant_id, uuid) indexes; payments are also sorted by
creation time there.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ledgerline.models.base

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'api_clients',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('tenant_id', sa.Uuid(), nullable=False),
        sa.Column('client_id', sa.String(length=64), nullable=False),
        sa.Column('secret_hash', sa.Text(), nullable=False),
        sa.Column('scopes', sa.Text(), nullable=False),
        sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_api_clients_tenant_id_tenants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_clients')),
        sa.UniqueConstraint('client_id', name=op.f('uq_api_clients_client_id')),
    )
    op.create_index('ix_api_clients_tenant_created_at', 'api_clients', ['tenant_id', 'created_at'], unique=False)
    op.create_table(
        'api_client_refresh_tokens',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('tenant_id', sa.Uuid(), nullable=False),
        sa.Column('api_client_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('expires_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['api_client_id'], ['api_clients.id'],
                                name=op.f('fk_api_client_refresh_tokens_api_client_id_api_clients')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_client_refresh_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_client_refresh_tokens_token_hash')),
    )
    op.create_index('ix_api_client_refresh_tokens_tenant_client', 'api_client_refresh_tokens',
                    ['tenant_id', 'api_client_id'], unique=False)
    op.create_index('ix_payments_tenant_uuid', 'payments', ['tenant_id', 'uuid'], unique=False)
    op.create_index('ix_payments_tenant_created_at', 'payments', ['tenant_id', 'created_at'], unique=False)
    op.create_index('ix_invoices_tenant_uuid', 'invoices', ['tenant_id', 'uuid'], unique=False)
    op.create_index('ix_customers_tenant_uuid', 'customers', ['tenant_id', 'uuid'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_customers_tenant_uuid', table_name='customers')
    op.drop_index('ix_invoices_tenant_uuid', table_name='invoices')
    op.drop_index('ix_payments_tenant_created_at', table_name='payments')
    op.drop_index('ix_payments_tenant_uuid', table_name='payments')
    op.drop_index('ix_api_client_refresh_tokens_tenant_client', table_name='api_client_refresh_tokens')
    op.drop_table('api_client_refresh_tokens')
    op.drop_index('ix_api_clients_tenant_created_at', table_name='api_clients')
    op.drop_table('api_clients')
