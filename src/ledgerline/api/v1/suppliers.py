"""/v1/suppliers: third-party suppliers, one row per account held with a supplier (seed 001)."""

from __future__ import annotations

from pydantic import Field

from ledgerline.admin.entities import SUPPLIERS
from ledgerline.api.v1.admin_resource import AdminResource
from ledgerline.api.v1.contract_owners import ADDRESS_EXAMPLE, Address, Email, TelephoneOrEmpty
from ledgerline.api.v1.schemas import WireInput


class SupplierCreate(WireInput):
    name: str = Field(min_length=1, max_length=255, examples=["Openreach"])
    account_number: str | None = Field(default=None, max_length=100,
                                       description="Our account number with the supplier", examples=["ACC-100234"])
    supplier_account_id: str | None = Field(default=None, max_length=100,
                                            description="The supplier's own identifier for that account",
                                            examples=["OR-778812"])
    description: str | None = Field(default=None, max_length=255, examples=["Wholesale line rental"])
    email_address: Email | None = Field(default=None, examples=["accounts@supplier.example"])
    telephone_number: TelephoneOrEmpty | None = Field(default=None, examples=["0800 123 4567"])
    address: Address | None = Field(default=None, examples=[ADDRESS_EXAMPLE])


SUPPLIER_RESOURCE = AdminResource(SUPPLIERS, "/suppliers", SupplierCreate)
router = SUPPLIER_RESOURCE.router
