"""The Exsited surface under /api: seed 003's v3 payments (and the SDK's v2 paths of the same operations),
the OAuth2 token endpoint, snake_case fields, errors as ``{"errors": [{"message": ...}]}``."""

from fastapi import APIRouter, Depends

from ledgerline.api.exsited import oauth, payments
from ledgerline.api.exsited.envelope import render_error
from ledgerline.api.exsited.openapi import document_operations
from ledgerline.api.query import reject_unknown_query_parameters
from ledgerline.api.surface import FieldNames, Surface

router = APIRouter(prefix="/api", dependencies=[Depends(reject_unknown_query_parameters)])
router.include_router(oauth.router)
router.include_router(payments.router)

# Domain field names as an Exsited client sent them (snake_case already: only renamings).
FIELD_NAMES = FieldNames(names={
    "amount": "payment.payment_applied",
    "tenders": "payment.payment_applied",
    "payment_method": "payment.payment_applied.method",
    "notes": "payment.note",
    "received_on": "payment.date",
    "custom_attributes": "payment.custom_attributes",
    "credit_applied": "payment.credit_applied",
    "gift_certificates": "payment.gift_certificates",
    "customer": "account",
    "invoice": "invoice_id",
    "intended_invoices": "invoice_id",
})

# Issue 12: a body that breaks a rule is 400 here (Exsited documents no 422).
SURFACE = Surface(name="exsited", prefix="/api", router=router, render_error=render_error,
                  field_names=FIELD_NAMES, document=document_operations, validation_status=400)
