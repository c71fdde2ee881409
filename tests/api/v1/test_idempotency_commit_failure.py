"""A request whose commit fails releases its Idempotency-Key: the retry runs at once, not 409.

These requests really commit (no rolled-back outer transaction), in a tenant of their own.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ledgerline.app import create_app
from ledgerline.db import Database
from tests.conftest import bearer, make_tenant


class CommitFailsOnce(Database):
    """The next request transaction fails at COMMIT, as when the database goes away at that moment."""

    fail_next_commit = False

    def session(self, *, write: bool = True) -> Session:
        session = super().session(write=write)
        database = self

        def commit() -> None:
            if database.fail_next_commit:
                database.fail_next_commit = False
                session.rollback()
                raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))
            Session.commit(session)

        session.commit = commit  # type: ignore[method-assign]
        return session


def test_a_failed_commit_releases_the_key(engine, settings):
    database = CommitFailsOnce(engine)
    client = TestClient(create_app(settings, database=database), raise_server_exceptions=False)
    auth = bearer(settings, make_tenant(database))
    customer = client.post("/v1/customers", json={"name": "Commit", "currency": "GBP"}, headers=auth).json()
    body = {"customerId": customer["id"], "amountInMajorCurrency": "10.00", "type": "CHEQUE"}
    headers = {**auth, "Idempotency-Key": "commit-fails"}

    database.fail_next_commit = True
    failed = client.post("/v1/customer-payments", json=body, headers=headers)
    assert failed.status_code == 503, failed.text

    retried = client.post("/v1/customer-payments", json=body, headers=headers)
    assert retried.status_code == 201, retried.text
    assert retried.headers.get("Idempotent-Replayed") is None
    payments = client.get("/v1/customer-payments", params={"customer_id": customer["id"]}, headers=auth)
    assert [payment["id"] for payment in payments.json()] == [retried.json()["id"]]
