from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from ledgerline.admin import service
from ledgerline.customers import service as customers
from ledgerline.errors import Conflict, InvalidRequest, NotFound
from ledgerline.kit.repository import tables_referencing
from ledgerline.models import BillingCycle, BillRun, ContractOwner
from ledgerline.models.enums import BillRunType, PeriodUnit
from tests.conftest import make_tenant

ADDRESS = {"address1": "1 High Street", "town": "London", "postcode": "EC1A 1BB", "country": "GB"}


def _contract_owner(session, tenant_id, **overrides) -> ContractOwner:
    values = dict(name="Acme Telecom", available_from=dt.date(2024, 1, 1), address=ADDRESS,
                  si_bcc_email_address="bcc@example.com", tax_registration_number="GB1", **overrides)
    return service.create_contract_owner(session, tenant_id=tenant_id, **values)


def _billing_cycle(session, tenant_id, **overrides) -> BillingCycle:
    return service.create_billing_cycle(session, tenant_id=tenant_id, name="Monthly", period_unit=PeriodUnit.MONTH,
                                        **overrides)


def test_available_to_before_available_from_is_refused_naming_available_to(session, tenant_id):
    with pytest.raises(InvalidRequest) as raised:
        _contract_owner(session, tenant_id, available_to=dt.date(2023, 12, 31))
    assert raised.value.errors[0].field == "available_to"


def test_moving_available_from_past_available_to_is_refused(session, tenant_id):
    owner = _contract_owner(session, tenant_id, available_to=dt.date(2024, 12, 31))
    with pytest.raises(InvalidRequest) as raised:
        service.update_contract_owner(session, contract_owner=owner, changes={"available_from": dt.date(2025, 1, 1)})
    assert raised.value.errors[0].field == "available_to"
    assert owner.available_from == dt.date(2024, 1, 1)


def test_update_bumps_the_version(session, tenant_id):
    owner = _contract_owner(session, tenant_id)
    service.update_contract_owner(session, contract_owner=owner, changes={"name": "Renamed"})
    assert owner.version == 2


def test_a_referenced_contract_owner_cannot_be_deleted(session, tenant_id):
    owner = _contract_owner(session, tenant_id)
    customer = customers.create_customer(session, tenant_id=tenant_id, name="Acme", currency="GBP")
    assert customer.contract_owner_id == owner.id  # the only one is the default
    with pytest.raises(Conflict, match="customers"):
        service.delete_contract_owner(session, contract_owner=owner)
    customers.delete_customer(session, customer=customer)
    service.delete_contract_owner(session, contract_owner=owner)
    assert session.get(ContractOwner, owner.id) is None


def test_a_billing_cycle_used_by_a_bill_run_cannot_be_deleted(session, tenant_id):
    cycle = _billing_cycle(session, tenant_id)
    session.add(BillRun(tenant_id=tenant_id, type=BillRunType.NORMAL, billing_cycle_id=cycle.id,
                        run_date=dt.date(2024, 1, 31)))
    session.flush()
    with pytest.raises(Conflict, match="bill runs"):
        service.delete_billing_cycle(session, billing_cycle=cycle)


def test_tables_referencing_names_each_referencing_table_once(session, tenant_id):
    cycle = _billing_cycle(session, tenant_id)
    table = BillingCycle.__table__
    assert tables_referencing(session, table, tenant_id, cycle.id) == []
    customers.create_customer(session, tenant_id=tenant_id, name="A", currency="GBP")
    customers.create_customer(session, tenant_id=tenant_id, name="B", currency="GBP")
    session.add(BillRun(tenant_id=tenant_id, type=BillRunType.NORMAL, billing_cycle_id=cycle.id,
                        run_date=dt.date(2024, 1, 31)))
    session.flush()
    assert sorted(tables_referencing(session, table, tenant_id, cycle.id)) == ["bill_runs", "customers"]


def test_auto_close_needs_a_number_of_days(session, tenant_id):
    with pytest.raises(InvalidRequest) as raised:
        _billing_cycle(session, tenant_id, auto_close_enabled=True)
    assert raised.value.errors[0].field == "auto_close_days"
    cycle = _billing_cycle(session, tenant_id, auto_close_enabled=True, auto_close_days=3)
    with pytest.raises(InvalidRequest):
        service.update_billing_cycle(session, billing_cycle=cycle, changes={"auto_close_days": None})


def test_the_schema_refuses_a_start_day_outside_the_month(session, tenant_id):
    # The database is the last guard when a rule is bypassed.
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(BillingCycle(tenant_id=tenant_id, name="Bad", period_unit=PeriodUnit.MONTH,
                                 start_day_of_period=32))
        session.flush()


def test_the_schema_refuses_available_to_before_available_from(session, tenant_id):
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(ContractOwner(tenant_id=tenant_id, name="Bad", available_from=dt.date(2024, 2, 1),
                                  available_to=dt.date(2024, 1, 1), address=ADDRESS,
                                  si_bcc_email_address="bcc@example.com", tax_registration_number="GB1"))
        session.flush()


def test_other_tenants_cannot_reach_a_contract_owner_by_id(session, tenant_id, database):
    owner = _contract_owner(session, tenant_id)
    with pytest.raises(NotFound):
        service.get_contract_owner(session, tenant_id=make_tenant(database), contract_owner_id=owner.id)
