"""The Socotra-style surface under /billing/{tenantLocator}: offset/count lists, problem+json errors."""

from fastapi import APIRouter
from pydantic.alias_generators import to_camel

from ledgerline.api.socotra import credits
from ledgerline.api.socotra.envelope import render_error
from ledgerline.api.socotra.openapi import document_operations
from ledgerline.api.surface import FieldNames, Surface

router = APIRouter(prefix="/billing/{tenantLocator}")
router.include_router(credits.router)

SURFACE = Surface(name="socotra", prefix="/billing", router=router, render_error=render_error,
                  field_names=FieldNames(names={"amount": "amount"}, default=to_camel),
                  document=document_operations)
