"""Sub-brand rules on the session: one default per contract owner, logos, references."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ledgerline.admin import service as admin
from ledgerline.email_templates import service as email_templates
from ledgerline.errors import InvalidRequest, UnsupportedMediaType
from ledgerline.models import ContractOwnerSubBrand
from ledgerline.sub_brands import repository, service
from ledgerline.sub_brands.service import LogoUpload

ADDRESS = {"address1": "1 High Street", "town": "London", "postcode": "EC1A 1BB", "country": "GB"}
LABELS = dict(summary_customer_account_number_label="Account", billing_period_end_date_label="Ending",
              vat_registration_number="GB1", email_billing_from_address="billing@example.com",
              invoice_customer_account_number_label="Account", invoice_date_label="Date",
              invoice_email_subject="Invoice", invoice_number_label="Number", product_reference_label="Product",
              summary_invoice_number_label="Number", tax_exempt_label="Exempt")


def _sub_brand_count(session, tenant_id) -> int:
    return session.scalar(select(func.count()).where(ContractOwnerSubBrand.tenant_id == tenant_id))


@pytest.fixture
def owner_id(session, tenant_id) -> int:
    return admin.create_contract_owner(session, tenant_id=tenant_id, name="Acme", available_from=dt.date(2024, 1, 1),
                                       address=ADDRESS, si_bcc_email_address="bcc@example.com",
                                       tax_registration_number="GB1").id


@pytest.fixture
def template_id(session, tenant_id) -> int:
    return email_templates.create_email_template(session, tenant_id=tenant_id, name="Invoice", subject="Invoice",
                                                 body="Dear {{name}}").id


def _sub_brand(session, tenant_id, owner_id, template_id, *, default=False, logo=None, name="Brand"):
    return service.create_sub_brand(session, tenant_id=tenant_id, address=dict(ADDRESS), logo=logo,
                                    max_logo_bytes=1024 * 1024, name=name, contract_owner_id=owner_id,
                                    email_template_id=template_id, default_sub_brand=default, **LABELS)


def test_the_database_refuses_a_second_default_for_one_contract_owner(session, tenant_id, owner_id, template_id):
    first = _sub_brand(session, tenant_id, owner_id, template_id, default=True)
    second = _sub_brand(session, tenant_id, owner_id, template_id)
    with pytest.raises(IntegrityError), session.begin_nested():
        second.default_sub_brand = True  # around the service: the partial unique index is the last guard
        session.flush()
    session.refresh(first)
    assert first.default_sub_brand is True


def test_the_service_switches_the_default_in_one_transaction(session, tenant_id, owner_id, template_id):
    first = _sub_brand(session, tenant_id, owner_id, template_id, default=True, name="First")
    second = _sub_brand(session, tenant_id, owner_id, template_id, name="Second")
    service.update_sub_brand(session, sub_brand=second, changes={"default_sub_brand": True},
                             max_logo_bytes=1024 * 1024)
    assert repository.default_sub_brand_of(session, tenant_id, owner_id).id == second.id
    assert first.default_sub_brand is False and first.version == 2


def test_a_refused_logo_writes_nothing(session, tenant_id, owner_id, template_id):
    with pytest.raises(UnsupportedMediaType):
        _sub_brand(session, tenant_id, owner_id, template_id, logo=LogoUpload(field="logo", data=b"GIF89a? no"))
    assert _sub_brand_count(session, tenant_id) == 0


def test_a_logo_is_stored_with_its_type_size_and_digest(session, tenant_id, owner_id, template_id):
    buffer = io.BytesIO()
    Image.new("RGB", (3, 3)).save(buffer, "WEBP")
    data = buffer.getvalue()
    sub_brand = _sub_brand(session, tenant_id, owner_id, template_id, logo=LogoUpload(field="logo", data=data))
    logo = service.logo_of(session, sub_brand=sub_brand, with_data=True)
    assert (logo.content_type, logo.size, logo.data) == ("image/webp", len(data), data)
    assert len(logo.sha256) == 64


def test_references_are_checked_before_anything_is_written(session, tenant_id, owner_id, template_id):
    with pytest.raises(InvalidRequest) as raised:
        _sub_brand(session, tenant_id, owner_id, 999999)
    assert raised.value.errors[0].field == "email_template_id"
    assert _sub_brand_count(session, tenant_id) == 0
