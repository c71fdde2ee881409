"""The janitor: the sandbox's due events delivered, and collections stuck pending resolved by asking the
provider (its answer applied once, like any event)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from ledgerline.app import create_app
from ledgerline.providers import collections
from ledgerline.providers.janitor import run_once
from ledgerline.providers.runtime import runtime_for
from tests.conftest import make_settings
from tests.providers.helpers import invoice, mandated_customer, payments_of, post_invoice


@pytest.fixture
def settings():
    return make_settings(sandbox_settle_seconds=0, janitor_deadline_seconds=0)


@pytest.fixture
def client(settings, database):
    return TestClient(create_app(settings, database=database), raise_server_exceptions=False)


def test_the_janitor_resolves_a_stuck_collection_by_asking_the_provider(client, auth, database, settings, tenant):
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"])
    with database.independent_transaction() as session:
        outcomes = collections.resolve_stuck(session, tenant=tenant, runtime=runtime_for(settings),
                                             deadline_seconds=0)
    assert len(outcomes) == 1 and "posted" in outcomes[0], outcomes
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "PAID"
    # The provider's own events, delivered later, change nothing more.
    assert all(o.startswith("ignored") or "janitor" in o for o in client.post(
        "/v1/payment-provider-sandbox-settlements", json={}, headers=auth).json()["outcomes"])
    [payment] = payments_of(client, auth, setup["customer"]["id"])
    assert payment["status"] == "POSTED"


def test_a_janitor_pass_settles_every_tenants_sandbox_collections(client, auth, database, settings):
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"], total="12.13")
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)
    outcomes = run_once(database, settings, now=later)
    assert any("rejected" in outcome for outcome in outcomes), outcomes
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "UNPAID"
    assert run_once(database, settings, now=later) == []


def test_the_janitor_command_has_help(capsys):
    from ledgerline.cli import main

    with pytest.raises(SystemExit):
        main(["janitor", "--help"])
    assert "--every" in capsys.readouterr().out
