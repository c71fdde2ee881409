"""The Alembic history builds exactly the models, on SQLite and PostgreSQL, and can be undone."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Connection, Engine, MetaData, Table, Uuid, inspect, select
from sqlalchemy import column as sql_column, table as sql_table
from sqlalchemy.orm import Session

from ledgerline.db import make_engine
from ledgerline.kit.ids import new_locator
from ledgerline.models import (
    Base, Credit, CreditTarget, FinancialTransactionType, Invoice, Payment, PaymentCancellation, PaymentMethodSetting,
)
from ledgerline.models.base import UTCDateTime, utcnow
from ledgerline.models.enums import CreditState, CreditType, PaymentMethod
from ledgerline.reference import defaults
from tests.conftest import PG_SCHEMA, PG_URL, alembic_config, create_postgres_schema, drop_postgres_schema


def differences(engine: Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def migrate(engine: Engine, direction: str, revision: str) -> None:
    # Not in a transaction: the migration environment runs its own, as `ledgerline migrate` does.
    with engine.connect() as connection:
        getattr(command, direction)(alembic_config(connection), revision)


def test_upgrade_head_builds_exactly_the_models(engine):
    assert differences(engine) == []


def test_the_database_is_at_the_single_head(engine):
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"the history has forked: {heads}"
    assert current_revision(engine) == head_revision()


def test_every_model_table_exists(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert tables - set(Base.metadata.tables) == {"alembic_version"}


def roundtrip(engine: Engine) -> None:
    migrate(engine, "upgrade", "head")
    assert differences(engine) == []
    migrate(engine, "downgrade", "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert current_revision(engine) is None
    migrate(engine, "upgrade", "head")
    assert differences(engine) == []
    assert current_revision(engine) == head_revision()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_URL, reason="TEST_DATABASE_URL is not set"))])
def empty_engine(request, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database of its own with nothing in it, for tests that migrate by hand."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    schema = f"{PG_SCHEMA}_{uuid.uuid4().hex[:8]}"
    create_postgres_schema(schema)
    engine = make_engine(PG_URL, search_path=schema)
    yield engine
    engine.dispose()
    drop_postgres_schema(schema)


def test_downgrade_to_base_and_upgrade_again(empty_engine: Engine):
    roundtrip(empty_engine)


def test_offline_sql_can_be_generated_for_postgresql(capsys):
    """``alembic upgrade head --sql`` works, for DBAs who apply migrations by hand."""
    config = alembic_config()
    config.cmd_opts = type("Options", (), {"x": ["url=postgresql+psycopg://offline/ledgerline"]})()
    command.upgrade(config, "head", sql=True)
    script = capsys.readouterr().out
    assert "CREATE TABLE customers" in script
    assert "alembic_version" in script


def _insert(connection: Connection, table_name: str, **values: Any) -> int:
    """A row in a table as an older revision left it: the NOT NULL columns not given get plain values."""
    table = Table(table_name, MetaData(), autoload_with=connection)
    typed = {"tenant_id": Uuid(), "uuid": Uuid(), "id": Uuid() if table_name == "tenants" else None,
             "created_at": UTCDateTime(), "updated_at": UTCDateTime()}
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or (column.primary_key and table_name != "tenants"):
            continue
        python_type = getattr(column.type, "python_type", str) if not isinstance(column.type, JSON) else list
        row[column.name] = {
            "id": uuid.uuid4(), "tenant_id": None, "uuid": uuid.uuid4(), "locator": new_locator(),
            "created_at": utcnow(), "updated_at": utcnow(),
        }.get(column.name) or {int: 1, str: column.name[:3], dt.date: dt.date(2026, 1, 1), list: [],
                               bool: False, dt.datetime: utcnow()}.get(python_type, 1)
    types = {column.name: column.type for column in table.columns}
    types.update((name, kind) for name, kind in typed.items() if kind is not None)
    insertable = sql_table(table_name, *(sql_column(name, types[name]) for name in row))
    result = connection.execute(insertable.insert().returning(sql_column("id", types["id"])), [row])
    return result.scalar_one()


def _transaction_type_of(connection: Connection, tenant_id: Any) -> int:
    """One of the financial transaction types the tenant was given by the reference-data migrations."""
    return connection.execute(select(sql_column("id")).select_from(sql_table("financial_transaction_types"))
                              .where(sql_column("tenant_id") == tenant_id).limit(1)).scalar()


def _gbp_customer(connection: Connection, tenant_id: Any) -> int:
    return _insert(connection, "customers", tenant_id=tenant_id, currency="GBP", status="ACTIVE",
                   credit_threshold_minor=0, credit_minor=0)


def test_reference_data_reaches_existing_tenants(empty_engine: Engine) -> None:
    """0003 seeds tenants that existed before it and gives their payments the default types."""
    engine = empty_engine
    migrate(engine, "upgrade", "0002")
    with engine.begin() as connection:
        tenant_id = _insert(connection, "tenants", name="before-0003")
        customer_id = _gbp_customer(connection, tenant_id)
        payment_id = _insert(connection, "payments", tenant_id=tenant_id, customer_id=customer_id, currency="GBP",
                             status="CANCELLED", payment_method="CHEQUE", amount_minor=100, unallocated_minor=0)
        _insert(connection, "payment_cancellations", tenant_id=tenant_id, payment_id=payment_id, currency="GBP",
                amount_minor=100)
    migrate(engine, "upgrade", "head")
    with Session(engine) as session:
        payment = session.get(Payment, payment_id)
        assert payment is not None and payment.type_id is not None
        kinds = session.execute(select(FinancialTransactionType.alternative_code, FinancialTransactionType.id)
                                .where(FinancialTransactionType.tenant_id == payment.tenant_id)).all()
        codes = dict(kinds)
        assert payment.type_id == codes["PAYMENT"]
        cancellation = session.execute(select(PaymentCancellation)).scalar_one()
        assert cancellation.type_id == codes["PAYMENT_CANCELLATION"]
        assert set(codes) == {code for _, code, _, _ in defaults.TRANSACTION_TYPES}
        methods = session.execute(select(PaymentMethodSetting.method)
                                  .where(PaymentMethodSetting.tenant_id == payment.tenant_id)).scalars().all()
        assert set(methods) == set(PaymentMethod)


def test_posted_payments_become_credits_when_0006_runs(empty_engine: Engine) -> None:
    """0006 gives every payment that was posted its payment credit and a subpayment per allocation, moves a
    shortfall write-off's invoice into its targets under the payment credit, and marks it distributed."""
    engine = empty_engine
    migrate(engine, "upgrade", "0002")
    with engine.begin() as connection:
        tenant_id = _insert(connection, "tenants", name="before-0006")
    migrate(engine, "upgrade", "0005")  # 0003 gives the tenant its reference data
    with engine.begin() as connection:
        type_id = _transaction_type_of(connection, tenant_id)
        customer_id = _gbp_customer(connection, tenant_id)
        invoice_id = _insert(connection, "invoices", tenant_id=tenant_id, customer_id=customer_id, currency="GBP",
                             bill_run_type="NORMAL", status="POSTED", payment_status="PAID", total_minor=1000,
                             outstanding_minor=0)
        payment_id = _insert(connection, "payments", tenant_id=tenant_id, customer_id=customer_id, currency="GBP",
                             status="POSTED", payment_method="CHEQUE", amount_minor=990, unallocated_minor=0,
                             type_id=type_id, posted_on=dt.date(2026, 1, 2), number="PAY-1")
        _insert(connection, "payment_allocations", tenant_id=tenant_id, payment_id=payment_id, invoice_id=invoice_id,
                amount_minor=990)
        _insert(connection, "credits", tenant_id=tenant_id, type="shortfallWriteOff", state="posted",
                customer_id=customer_id, payment_id=payment_id, invoice_id=invoice_id, amount_minor=10,
                currency="GBP")
        _insert(connection, "payments", tenant_id=tenant_id, customer_id=customer_id, currency="GBP",
                status="DRAFT", payment_method="CHEQUE", amount_minor=5, unallocated_minor=0, type_id=type_id,
                number="PAY-2")
    migrate(engine, "upgrade", "head")
    with Session(engine) as session:
        credits = session.execute(select(Credit).order_by(Credit.id)).scalars().all()
        by_type = {credit.type: credit for credit in credits}
        assert sorted(by_type) == [CreditType.PAYMENT, CreditType.SHORTFALL_WRITE_OFF, CreditType.SUBPAYMENT]
        assert len(credits) == 3  # the draft payment has no credit
        parent = by_type[CreditType.PAYMENT]
        assert (parent.payment_id, parent.amount_minor, parent.state) == (payment_id, 990, CreditState.POSTED)
        assert by_type[CreditType.SHORTFALL_WRITE_OFF].state is CreditState.DISTRIBUTED
        for child_type, amount in ((CreditType.SUBPAYMENT, 990), (CreditType.SHORTFALL_WRITE_OFF, 10)):
            child = by_type[child_type]
            assert child.parent_id == parent.id
            targets = session.execute(select(CreditTarget).where(CreditTarget.credit_id == child.id)).scalars().all()
            assert [(t.invoice_id, t.amount_minor) for t in targets] == [(invoice_id, amount)]
        invoice = session.execute(select(Invoice)).scalar_one()
        assert (invoice.refunded_minor, invoice.written_off_minor) == (0, 0)


def test_earlier_invoice_payments_get_rows_of_their_own_when_0012_runs(empty_engine: Engine) -> None:
    """0012: a payment recorded through /v1/invoice-payments before (the only ones with a third-party status)
    gets its row, linked to it; other payments get none."""
    from ledgerline.models import InvoicePayment
    from ledgerline.models.enums import BillRunType

    engine = empty_engine
    migrate(engine, "upgrade", "0002")
    with engine.begin() as connection:
        tenant_id = _insert(connection, "tenants", name="before-0012")
    migrate(engine, "upgrade", "0011")
    with engine.begin() as connection:
        type_id = _transaction_type_of(connection, tenant_id)
        customer_id = _gbp_customer(connection, tenant_id)
        invoice_id = _insert(connection, "invoices", tenant_id=tenant_id, customer_id=customer_id, currency="GBP",
                             bill_run_type="ADHOC", status="POSTED", payment_status="PARTIALLY_PAID",
                             total_minor=1000, outstanding_minor=500)
        paid = _insert(connection, "payments", tenant_id=tenant_id, customer_id=customer_id, currency="GBP",
                       status="POSTED", payment_method="GO_CARDLESS", amount_minor=500, unallocated_minor=0,
                       type_id=type_id, number="PAY-1", third_party_status="PAID_OUT", invoices_to_pay=[invoice_id],
                       notes="counter", received_on=dt.date(2026, 3, 4))
        _insert(connection, "payments", tenant_id=tenant_id, customer_id=customer_id, currency="GBP",
                status="POSTED", payment_method="CHEQUE", amount_minor=5, unallocated_minor=5, type_id=type_id,
                number="PAY-2")
    migrate(engine, "upgrade", "head")
    with Session(engine) as session:
        row = session.execute(select(InvoicePayment)).scalar_one()
        assert (row.payment_id, row.invoice_id, row.customer_id, row.bill_run_type) == (
            paid, invoice_id, customer_id, BillRunType.ADHOC)
        assert (row.amount_minor, row.third_party_status, row.payment_method, row.description, row.paid_on) == (
            500, "PAID_OUT", PaymentMethod.GO_CARDLESS, "counter", dt.date(2026, 3, 4))
        assert row.tenant_id == tenant_id and len(row.locator) == 26


def test_provider_collections_get_invoice_payment_rows_when_0017_runs(empty_engine: Engine) -> None:
    """0017: a provider collection from before (0015 skipped them) gets its row, as the collection stands;
    a payment link and a collection that has its row already get none."""
    from ledgerline.models import InvoicePayment

    engine = empty_engine
    migrate(engine, "upgrade", "0002")
    with engine.begin() as connection:
        tenant_id = _insert(connection, "tenants", name="before-0017")
    migrate(engine, "upgrade", "0016")
    with engine.begin() as connection:
        type_id = _transaction_type_of(connection, tenant_id)
        customer_id = _gbp_customer(connection, tenant_id)
        invoice_id = _insert(connection, "invoices", tenant_id=tenant_id, customer_id=customer_id, currency="GBP",
                             bill_run_type="NORMAL", status="POSTED", payment_status="UNPAID",
                             total_minor=1013, outstanding_minor=1013)
        provider_id = _insert(connection, "payment_providers", tenant_id=tenant_id, type="GO_CARDLESS",
                              name="GoCardless", status="ACTIVE", adapter="sandbox")
        payment_ids = [_insert(connection, "payments", tenant_id=tenant_id, customer_id=customer_id, currency="GBP",
                               status="REJECTED", payment_method="GO_CARDLESS", amount_minor=1013,
                               unallocated_minor=0, type_id=type_id, number=f"PAY-{n}", third_party_status="FAILED",
                               invoices_to_pay=[invoice_id], notes=f"Collection SBX-{n}") for n in (1, 2)]
        for n, payment_id in enumerate(payment_ids, start=1):
            _insert(connection, "provider_collections", tenant_id=tenant_id, provider_id=provider_id,
                    payment_id=payment_id, invoice_id=invoice_id, customer_id=customer_id, kind="collection",
                    reference=f"SBX-{n}", attempt=n, amount_minor=1013, currency="GBP", status="FAILED",
                    submitted_at=dt.datetime(2026, 3, 4, 10, tzinfo=dt.timezone.utc))
        _insert(connection, "invoice_payments", tenant_id=tenant_id, invoice_id=invoice_id, customer_id=customer_id,
                bill_run_type="NORMAL", payment_id=payment_ids[1], currency="GBP", amount_minor=1013,
                payment_method="GO_CARDLESS", paid_on=dt.date(2026, 3, 4), third_party_status="FAILED")
        _insert(connection, "provider_collections", tenant_id=tenant_id, provider_id=provider_id, payment_id=None,
                invoice_id=invoice_id, customer_id=customer_id, kind="payment_link", reference="SBX-PL",
                attempt=1, amount_minor=1013, currency="GBP", status="CREATED")
    migrate(engine, "upgrade", "head")
    with Session(engine) as session:
        rows = session.execute(select(InvoicePayment).order_by(InvoicePayment.payment_id)).scalars().all()
        assert [row.payment_id for row in rows] == payment_ids
        backfilled = rows[0]
        assert (backfilled.invoice_id, backfilled.amount_minor, backfilled.third_party_status,
                backfilled.payment_method, backfilled.description, backfilled.paid_on) == (
            invoice_id, 1013, "FAILED", PaymentMethod.GO_CARDLESS, "Collection SBX-1", dt.date(2026, 3, 4))
        assert backfilled.error_info == "the payment provider reported FAILED"
        assert backfilled.created_by == f"provider:{provider_id}" and len(backfilled.locator) == 26
