"""A tenant's settings version, for the per-process tenant context

Every change to a tenant's policy (shortfall tolerances, transaction types, categories, payment
methods) bumps it; processes that cached the tenant's context compare it under the customer lock.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tenants') as batch:
        batch.add_column(sa.Column('settings_version', sa.BigInteger(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('tenants') as batch:
        batch.drop_column('settings_version')
