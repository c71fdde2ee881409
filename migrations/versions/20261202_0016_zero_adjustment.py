"""A balance adjustment of 0 is allowed (issue 15)

The vendor notes document amountInMajorCurrency -100000..100000 for customer balance adjustments,
a range that holds 0; the seed's range wins over the earlier "not 0" choice. Only the refusal of
0 goes: the amount stays within the range through the API.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 23:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('customer_balance_adjustments') as batch:
        batch.drop_constraint(op.f('ck_customer_balance_adjustments_amount_not_zero'), type_='check')


def downgrade() -> None:
    with op.batch_alter_table('customer_balance_adjustments') as batch:
        batch.create_check_constraint(op.f('ck_customer_balance_adjustments_amount_not_zero'), 'amount_minor <> 0')
