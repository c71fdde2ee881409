"""Partial index of a customer's open invoices

Allocation reads a customer's open invoices oldest first, and the customer's balance sums what they
owe; with only the (tenant, customer, status, ...) indexes both read every POSTED invoice of the
customer, paid ones included, so their cost grew with the customer's history (make bench, allocation
growth). This index holds the open invoices only. SQLite supports partial indexes too.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 15:16:37.424152
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = "status = 'POSTED' AND outstanding_minor > 0"


def upgrade() -> None:
    op.create_index('ix_invoices_tenant_customer_open', 'invoices',
                    ['tenant_id', 'customer_id', 'issue_date', 'id', 'outstanding_minor'], unique=False,
                    postgresql_where=sa.text(_OPEN), sqlite_where=sa.text(_OPEN))


def downgrade() -> None:
    op.drop_index('ix_invoices_tenant_customer_open', table_name='invoices',
                  postgresql_where=sa.text(_OPEN), sqlite_where=sa.text(_OPEN))
