"""A login user's token version (branch cluster2, issue 17 item 3)

Login tokens carry the version of their user (claim "uv"); revoking a user's tokens, or changing
its scopes or password, bumps it, and every host refuses the older tokens within
LEDGERLINE_CACHE_CHECK_SECONDS.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('token_version', sa.BigInteger(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('token_version')
