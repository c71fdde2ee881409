"""The CRM.COM surface under /crmapi/rest/v2 (seed 004): ``<entity>/<action>`` methods, the
``{"status", "data"}`` envelope, identifier objects, and the token in the query, the body or the header."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from ledgerline.api.crm import authentication, payments
from ledgerline.api.crm.envelope import render_error
from ledgerline.api.crm.openapi import document_operations
from ledgerline.api.query import reject_unknown_query_parameters
from ledgerline.api.surface import FieldNames, Surface, bearer_token

PREFIX = "/crmapi/rest/v2"

router = APIRouter(prefix=PREFIX, dependencies=[Depends(reject_unknown_query_parameters)])
router.include_router(authentication.router)
router.include_router(payments.router)


def read_token(request: Request) -> str | None:
    """Seed 004's ``token``: the query parameter (GET), the body field (POST), else ``Authorization: Bearer``."""
    token = request.query_params.get("token")
    if not token:
        body = getattr(request, "_json", None)  # parsed once by WireRoute before any dependency runs
        token = body.get("token") if isinstance(body, dict) and isinstance(body.get("token"), str) else None
    return token.strip() if token and token.strip() else bearer_token(request)


# Domain field names as this surface calls them (seed 004); every other name is already snake_case.
FIELD_NAMES = FieldNames(names={
    "payment": "payment_identifier",
    "customer": "accounts_receivable_identifier",
    "transaction_type": "type_identifier",
    "category": "category_identifier",
    "payment_method": "payment_method_identifier",
    "invoice": "invoice_identifier",
    "bill": "bill_identifier",
    "rejection_reason": "rejection_reason_identifier",
    "user": "received_by_user",
    "amount": "payment_amount",
    "intended_invoices": "invoices_to_pay_set",
    "intended_bills": "bills_to_pay_set",
})

SURFACE = Surface(name="crm", prefix=PREFIX, router=router, render_error=render_error, field_names=FIELD_NAMES,
                  read_token=read_token, document=document_operations, validation_status=400)
