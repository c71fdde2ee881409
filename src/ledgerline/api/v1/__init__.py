"""The Elevate-style /v1 surface."""

from fastapi import APIRouter, Depends
from pydantic.alias_generators import to_camel

from ledgerline.api.negotiation import require_acceptable
from ledgerline.api.query import check_path_ids, reject_unknown_query_parameters
from ledgerline.api.surface import FieldNames, Surface
from ledgerline.api.v1.envelope import render_error
from ledgerline.api.v1.openapi import document_operations

from ledgerline.api.v1 import customers
from ledgerline.api.v1 import bill_runs, bills, credit_status, invoices
from ledgerline.api.v1 import billing_cycles, contract_owners, sites
from ledgerline.api.v1 import contract_owner_sub_brands, email_templates
from ledgerline.api.v1 import authenticate
from ledgerline.api.v1 import customer_payments, payments
from ledgerline.api.v1 import balance_adjustments, invoice_payments, reference_data
from ledgerline.api.v1 import credits, gift_certificates, refunds
from ledgerline.api.v1 import payment_providers
from ledgerline.providers.runtime import use_request_runtime
from ledgerline.api.v1 import events, webhook_endpoints
from ledgerline.api.v1 import (
    admin_contacts,
    commission_agents,
    custom_field_definitions,
    electronic_summary_templates,
    invoice_document_profiles,
    invoice_marketing_info,
    invoice_summary_template_components,
    invoice_summary_templates,
    invoice_templates,
    suppliers,
)

router = APIRouter(prefix="/v1", dependencies=[Depends(reject_unknown_query_parameters), Depends(check_path_ids),
                                               Depends(require_acceptable), Depends(use_request_runtime)])
router.include_router(customers.router)
router.include_router(authenticate.router)
router.include_router(contract_owners.router)
router.include_router(billing_cycles.router)
router.include_router(sites.router)
router.include_router(contract_owner_sub_brands.router)
router.include_router(email_templates.router)
router.include_router(invoices.router)
router.include_router(bills.router)
router.include_router(bill_runs.router)
router.include_router(credit_status.router)
router.include_router(payments.router)
router.include_router(customer_payments.router)
router.include_router(invoice_payments.router)
router.include_router(invoice_payments.adhoc_router)
router.include_router(balance_adjustments.router)
router.include_router(reference_data.router)
router.include_router(refunds.router)
router.include_router(credits.router)
router.include_router(gift_certificates.router)
router.include_router(payment_providers.router)
router.include_router(payment_providers.mandate_router)
router.include_router(payment_providers.collection_router)
router.include_router(events.router)
router.include_router(webhook_endpoints.router)
for admin_module in (suppliers, invoice_document_profiles, invoice_templates, invoice_summary_templates,
                     invoice_summary_template_components, electronic_summary_templates, invoice_marketing_info,
                     admin_contacts, commission_agents, custom_field_definitions):
    router.include_router(admin_module.router)
router.include_router(invoice_marketing_info.preview_router)

# Domain field names that /v1 calls otherwise; every other snake_case name is camelCased.
FIELD_NAMES = FieldNames(
    names={
        "amount": "amountInMajorCurrency",
        "customer": "customerId",
        "invoice": "invoiceId",
        "bill": "billId",
        "payment": "paymentId",
        "intended_invoices": "invoicesToPay",
        "intended_bills": "billsToPay",
        "transaction_type": "typeId",
        "category": "categoryId",
        "rejection_reason": "rejectionReasonId",
        "total": "totalInMajorCurrency",
        "payment_provider": "paymentProviderId",
        "site": "siteId",
    },
    default=to_camel,
)

SURFACE = Surface(name="elevate", prefix="/v1", router=router, render_error=render_error,
                  field_names=FIELD_NAMES, document=document_operations, validation_status=400)
