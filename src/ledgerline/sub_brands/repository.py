"""Contract-owner sub-brand queries."""

from __future__ import annotations

import uuid

from sqlalchemy import String, and_, cast, delete, exists, select
from sqlalchemy.orm import Session, undefer
from sqlalchemy.sql.elements import ColumnElement

from ledgerline.kit.listing import Filter, FilterKind, Listing, ListQuery, Page
from ledgerline.kit.repository import count_matching, fetch_page
from ledgerline.models import BillRun, ContractOwnerSubBrand, Customer, Invoice, SubBrandLogo
from ledgerline.models.enums import BillRunType, CustomerStatus

SubBrand = ContractOwnerSubBrand


def _id_filter_with_like(name: str, column: ColumnElement) -> Filter:
    """Seed 001 types these ids as string filters: ``123 | in:1,2`` compare ids, ``like:12`` their digits."""
    as_id = Filter(name, FilterKind.ID, column)
    as_text = Filter(name, FilterKind.STRING, cast(column, String))
    return Filter(name, FilterKind.STRING,
                  build=lambda raw: (as_text if raw.startswith("like:") else as_id).clause(raw))


_ACTIVE_CUSTOMERS_BILLING_CYCLE = _id_filter_with_like("activeCustomersBillingCycleId", Customer.billing_cycle_id)
_ADHOC_BILL_RUN = _id_filter_with_like("adhocBillRunId", Invoice.bill_run_id)


def _used_by_active_customers_on_cycle(raw: str) -> ColumnElement[bool]:
    return exists().where(
        Customer.tenant_id == SubBrand.tenant_id, Customer.sub_brand_id == SubBrand.id,
        Customer.status == CustomerStatus.ACTIVE, _ACTIVE_CUSTOMERS_BILLING_CYCLE.clause(raw),
    )


def _in_adhoc_bill_run(raw: str) -> ColumnElement[bool]:
    """Sub-brands of the customers that have an invoice in the ADHOC bill run."""
    return (
        select(Customer.id)
        .join(Invoice, and_(Invoice.tenant_id == Customer.tenant_id, Invoice.customer_id == Customer.id))
        .join(BillRun, and_(BillRun.tenant_id == Invoice.tenant_id, BillRun.id == Invoice.bill_run_id))
        .where(Customer.tenant_id == SubBrand.tenant_id, Customer.sub_brand_id == SubBrand.id,
               BillRun.type == BillRunType.ADHOC, _ADHOC_BILL_RUN.clause(raw))
        .exists()
    )


def _sub_brand_listing(*, contract_owner_required: bool) -> Listing:
    # HEAD requires contractOwnerId (seed 001); the list does not. Otherwise they are the same.
    return Listing(
        sortable={
            "id": SubBrand.id, "name": SubBrand.name, "contractOwnerId": SubBrand.contract_owner_id,
            "createdAt": SubBrand.created_at,
        },
        filters=[
            Filter("name", FilterKind.STRING, SubBrand.name, "Filter by name"),
            Filter("contractOwnerId", FilterKind.ID, SubBrand.contract_owner_id, "Contract owner identifier",
                   required=contract_owner_required),
            Filter("activeCustomersBillingCycleId", FilterKind.STRING,
                   description="Sub-brands used by ACTIVE customers on this billing cycle (its identifier)",
                   build=_used_by_active_customers_on_cycle),
            Filter("adhocBillRunId", FilterKind.STRING,
                   description="Sub-brands of the customers invoiced in this ADHOC bill run (its identifier)",
                   build=_in_adhoc_bill_run),
        ],
        fields=(
            "id", "createdAt", "updatedAt", "accountNumberFormat", "attachInvoiceToEmail", "bacsReference",
            "bankAccountName", "bankAccountNumber", "summaryCustomerAccountNumberLabel", "bankSortCode", "swiftCode",
            "billingPeriodEndDateLabel", "companyRegistrationNumber", "companyRegistrationNumberLabel",
            "vatRegistrationNumber", "customerServiceEmail", "customerServiceTelephoneNumber",
            "customerServiceWebSite", "defaultSubBrand", "emailBillingFromAddress", "iban",
            "invoiceCustomerAccountNumberLabel", "invoiceDateLabel", "invoiceEmailSubject", "invoiceNumberFormat",
            "invoiceNumberLabel", "invoicePresentationName", "invoiceTaxLabel", "name", "ofcomRid",
            "productReferenceLabel", "summaryInvoiceNumberLabel", "taxExemptLabel", "address", "contractOwnerId",
            "emailTemplateId", "prePopulatedTripwirePlanId", "invoiceNotesLabel", "locator", "uuid", "version",
        ),
        tiebreak=SubBrand.id,
    )


SUB_BRAND_LISTING = _sub_brand_listing(contract_owner_required=False)
SUB_BRAND_HEAD_LISTING = _sub_brand_listing(contract_owner_required=True)


def _sub_brands(tenant_id: uuid.UUID):
    return select(SubBrand).where(SubBrand.tenant_id == tenant_id)


def page_of_sub_brands(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    return fetch_page(session, _sub_brands(tenant_id), SUB_BRAND_LISTING, query)


def count_sub_brands(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> int:
    return count_matching(session, _sub_brands(tenant_id), SUB_BRAND_HEAD_LISTING, query)


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
