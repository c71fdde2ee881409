"""/v1/commission-agents: agents set against customers to manage commission (seed 001)."""

from __future__ import annotations

from pydantic import Field

from ledgerline.admin.entities import COMMISSION_AGENTS
from ledgerline.api.v1.admin_resource import AdminResource
from ledgerline.api.v1.contract_owners import ADDRESS_EXAMPLE, Address, Email, TelephoneOrEmpty
from ledgerline.api.v1.schemas import WireInput


class CommissionAgentCreate(WireInput):
    name: str = Field(min_length=1, max_length=255, examples=["North West Sales Ltd"])
    reference: str | None = Field(default=None, max_length=100, description="Your reference for the agent",
                                  examples=["AGENT-0042"])
    email_address: Email | None = Field(default=None, examples=["agent@example.com"])
    telephone_number: TelephoneOrEmpty | None = Field(default=None, examples=["0161 496 0000"])
    address: Address | None = Field(default=None, examples=[ADDRESS_EXAMPLE])
    active: bool = Field(default=True, description="Whether the agent can be set against customers",
                         examples=[True])


COMMISSION_AGENT_RESOURCE = AdminResource(COMMISSION_AGENTS, "/commission-agents", CommissionAgentCreate)
router = COMMISSION_AGENT_RESOURCE.router
