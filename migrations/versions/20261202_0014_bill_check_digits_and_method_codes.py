"""crm: bills' three check digits; payment methods' alternative codes

Seed 004 gives a bill three separate check digits (of the bill's number, of its accounts
receivable's number, of its amount) where bills kept one ``check_digits`` string. A legacy value of
exactly three digits becomes the three digits in that order; any other legacy value cannot be read as
seed 004's triple and is dropped (the bill then has no check digits). Payment methods gain an
``alternative_code`` (seed 004 names them by id, name or alternative code), the enum value by default.
Payments are looked up by back office code alone (an index).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DIGITS = ('bill_number_check_digit', 'accounts_receivable_check_digit', 'bill_amount_check_digit')


def upgrade() -> None:
    with op.batch_alter_table('bills') as batch:
        for name in _DIGITS:
            batch.add_column(sa.Column(name, sa.SmallInteger(), nullable=True))
            batch.create_check_constraint(op.f(f'ck_bills_{name}_range'), f'{name} BETWEEN 0 AND 99')
    bills = sa.table('bills', sa.column('id', sa.BigInteger()), sa.column('check_digits', sa.String()),
                     *(sa.column(name, sa.SmallInteger()) for name in _DIGITS))
    bind = op.get_bind()
    for bill_id, legacy in [] if context.is_offline_mode() else bind.execute(sa.select(bills.c.id, bills.c.check_digits)
                                        .where(bills.c.check_digits.is_not(None))).all():
        if len(legacy) == 3 and legacy.isdigit():
            bind.execute(bills.update().where(bills.c.id == bill_id)
                         .values({name: int(digit) for name, digit in zip(_DIGITS, legacy)}))
    with op.batch_alter_table('bills') as batch:
        batch.drop_column('check_digits')

    with op.batch_alter_table('payment_methods') as batch:
        batch.add_column(sa.Column('alternative_code', sa.String(length=50), nullable=True))
    methods = sa.table('payment_methods', sa.column('method', sa.String()), sa.column('alternative_code', sa.String()))
    bind.execute(methods.update().values(alternative_code=methods.c.method))
    with op.batch_alter_table('payment_methods') as batch:
        batch.alter_column('alternative_code', existing_type=sa.String(length=50), nullable=False)
        batch.create_unique_constraint(op.f('uq_payment_methods_tenant_id_alternative_code'), ['tenant_id', 'alternative_code'])


    op.create_index('ix_payments_tenant_back_office_code', 'payments', ['tenant_id', 'back_office_code'])


def downgrade() -> None:
    op.drop_index('ix_payments_tenant_back_office_code', table_name='payments')
    with op.batch_alter_table('payment_methods') as batch:
        batch.drop_constraint(op.f('uq_payment_methods_tenant_id_alternative_code'), type_='unique')
        batch.drop_column('alternative_code')
    with op.batch_alter_table('bills') as batch:
        batch.add_column(sa.Column('check_digits', sa.String(length=10), nullable=True))
    bills = sa.table('bills', sa.column('id', sa.BigInteger()), sa.column('check_digits', sa.String()),
                     *(sa.column(name, sa.SmallInteger()) for name in _DIGITS))
    bind = op.get_bind()
    rows = [] if context.is_offline_mode() else bind.execute(
        sa.select(bills.c.id, *(bills.c[name] for name in _DIGITS))).all()
    for bill_id, *digits in rows:
        if all(digit is not None and digit < 10 for digit in digits):
            bind.execute(bills.update().where(bills.c.id == bill_id).values(check_digits="".join(map(str, digits))))
    with op.batch_alter_table('bills') as batch:
        for name in _DIGITS:
            batch.drop_constraint(op.f(f'ck_bills_{name}_range'), type_='check')
            batch.drop_column(name)
