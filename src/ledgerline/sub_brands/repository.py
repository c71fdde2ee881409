"""Contract-owner sub-brand queries."""

from __future__ import annotations

import uuid

from sqlalchemy import and_, delete, exists, select
from sqlalchemy.orm import Session, undefer
from sqlalchemy.sql.elements import ColumnElement

from ledgerline.kit.criteria import ColumnMap, day, ident, text
from ledgerline.kit.repository import TenantRows
from ledgerline.models import BillRun, ContractOwnerSubBrand, Customer, Invoice, SubBrandLogo
from ledgerline.models.enums import BillRunType, CustomerStatus

SubBrand = ContractOwnerSubBrand


def _used_by_active_customers(test: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(
        Customer.tenant_id == SubBrand.tenant_id, Customer.sub_brand_id == SubBrand.id,
        Customer.status == CustomerStatus.ACTIVE, test,
    )


def _invoiced_in_adhoc_bill_run(test: ColumnElement[bool]) -> ColumnElement[bool]:
    """Sub-brands of the customers that have an invoice in an ADHOC bill run the test picks."""
    return (
        select(Customer.id)
        .join(Invoice, and_(Invoice.tenant_id == Customer.tenant_id, Invoice.customer_id == Customer.id))
        .join(BillRun, and_(BillRun.tenant_id == Invoice.tenant_id, BillRun.id == Invoice.bill_run_id))
        .where(Customer.tenant_id == SubBrand.tenant_id, Customer.sub_brand_id == SubBrand.id,
               BillRun.type == BillRunType.ADHOC, test)
        .exists()
    )


SUB_BRAND_COLUMNS = ColumnMap({
    "id": ident(SubBrand.id),
    "name": text(SubBrand.name),
    "contract_owner_id": ident(SubBrand.contract_owner_id),
    "created_at": day(SubBrand.created_at),
    # The billing cycle of the ACTIVE customers that use the sub-brand.
    "active_customers_billing_cycle_id": ident(Customer.billing_cycle_id, within=_used_by_active_customers),
    # The ADHOC bill runs that invoiced customers of the sub-brand.
    "adhoc_bill_run_id": ident(Invoice.bill_run_id, within=_invoiced_in_adhoc_bill_run),
}, tiebreak=SubBrand.id)

SUB_BRANDS = TenantRows(SubBrand, SUB_BRAND_COLUMNS)


def _sub_brands(tenant_id: uuid.UUID):
    return SUB_BRANDS.select(tenant_id)


def default_sub_brand_of(session: Session, tenant_id: uuid.UUID, contract_owner_id: int) -> SubBrand | None:
    return session.execute(_sub_brands(tenant_id).where(
        SubBrand.contract_owner_id == contract_owner_id, SubBrand.default_sub_brand.is_(True))).scalar_one_or_none()


def logo_of(session: Session, tenant_id: uuid.UUID, sub_brand_id: int, *,
            with_data: bool = False) -> SubBrandLogo | None:
    stmt = select(SubBrandLogo).where(SubBrandLogo.tenant_id == tenant_id, SubBrandLogo.sub_brand_id == sub_brand_id)
    if with_data:
        stmt = stmt.options(undefer(SubBrandLogo.data))
    return session.execute(stmt).scalar_one_or_none()


def delete_logo(session: Session, tenant_id: uuid.UUID, sub_brand_id: int) -> bool:
    deleted = session.execute(delete(SubBrandLogo).where(
        SubBrandLogo.tenant_id == tenant_id, SubBrandLogo.sub_brand_id == sub_brand_id))
    return bool(deleted.rowcount)
