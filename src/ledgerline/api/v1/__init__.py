"""The Elevate-style /v1 surface."""

from fastapi import APIRouter

from ledgerline.api.v1 import customers

router = APIRouter(prefix="/v1")
router.include_router(customers.router)
