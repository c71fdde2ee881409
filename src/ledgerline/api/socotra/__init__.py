"""The Socotra-style surface under /billing/{tenantLocator}: offset/count lists, problem+json errors."""

from fastapi import APIRouter

from ledgerline.api.socotra import credits

router = APIRouter(prefix="/billing/{tenantLocator}")
router.include_router(credits.router)
