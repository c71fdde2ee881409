"""/v1/admin-contacts: who receives tripwire, usage cap and auto-close notifications (seed 001)."""

from __future__ import annotations

from pydantic import Field

from ledgerline.admin.entities import ADMIN_CONTACTS
from ledgerline.api.v1.admin_resource import AdminResource
from ledgerline.api.v1.contract_owners import Email, TelephoneOrEmpty
from ledgerline.api.v1.schemas import WireInput


class AdminContactCreate(WireInput):
    name: str = Field(min_length=1, max_length=255, examples=["Billing operations"])
    email_address: Email = Field(examples=["billing-ops@example.com"])
    telephone_number: TelephoneOrEmpty | None = Field(default=None, examples=["020 7946 0000"])
    tripwire_notifications: bool = Field(default=False, description="Receives tripwire notifications",
                                         examples=[True])
    usage_cap_notifications: bool = Field(default=False, description="Receives usage cap notifications",
                                          examples=[True])
    auto_close_notifications: bool = Field(default=False, description="Receives bill run auto-close notifications",
                                           examples=[False])


ADMIN_CONTACT_RESOURCE = AdminResource(ADMIN_CONTACTS, "/admin-contacts", AdminContactCreate)
router = ADMIN_CONTACT_RESOURCE.router
