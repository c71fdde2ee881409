"""One UPDATE for many rows of a model: values per row, other rows kept, versions incremented, the session never stale."""

from __future__ import annotations

from sqlalchemy import select

from ledgerline.kit.bulk import insert_returning_ids, update_models
from ledgerline.models import Customer, JournalEntry
from ledgerline.models.enums import JournalKind
from tests.factories import create_customer
from tests.statements import counted


def test_each_row_gets_its_own_values_and_other_rows_are_left_alone(client, auth, database, tenant_id):
    first, second, untouched = (create_customer(client, auth, name=name) for name in ("First", "Second", "Third"))
    with database.session() as session:
        loaded = session.get(Customer, first["id"])
        with counted(session.connection()) as statements:
            update_models(session, Customer, tenant_id, [{"id": first["id"], "name": "First", "credit_minor": 500},
                                                         {"id": second["id"], "name": "Renamed", "credit_minor": 7}])
        assert len(statements) == 1
        assert (loaded.credit_minor, loaded.version) == (500, first["version"] + 1)  # read again, not stale
        rows = {row.id: row for row in session.execute(
            select(Customer.id, Customer.name, Customer.credit_minor, Customer.version)
            .where(Customer.id.in_([first["id"], second["id"], untouched["id"]])))}
        assert (rows[first["id"]].name, rows[first["id"]].credit_minor) == ("First", 500)
        assert (rows[second["id"]].name, rows[second["id"]].credit_minor) == ("Renamed", 7)
        assert rows[second["id"]].version == second["version"] + 1
        assert (rows[untouched["id"]].credit_minor, rows[untouched["id"]].version) == (0, untouched["version"])


def test_ids_come_back_in_the_order_of_the_rows(client, auth, database, tenant_id):
    customer = create_customer(client, auth)
    rows = [{"tenant_id": tenant_id, "customer_id": customer["id"], "kind": JournalKind.BALANCE_ADJUSTMENT,
             "currency": "GBP", "balance_delta": n, "credit_delta": n, "outstanding_delta": 0} for n in (3, 1, 2)]
    with database.session() as session:
        ids = insert_returning_ids(session, JournalEntry.__table__, rows)
        deltas = dict(session.execute(select(JournalEntry.id, JournalEntry.balance_delta)
                                      .where(JournalEntry.id.in_(ids))).tuples().all())
        assert [deltas[entry_id] for entry_id in ids] == [3, 1, 2]
