"""/v1/custom-field-definitions: extra fields stored on Ledgerline entities (vendor notes: {id, label, entityLevel})."""

from __future__ import annotations

from pydantic import Field

from ledgerline.admin.entities import CUSTOM_FIELD_DEFINITIONS
from ledgerline.api.v1.admin_resource import AdminResource
from ledgerline.api.v1.schemas import WireInput
from ledgerline.models.enums import CustomFieldEntityLevel


class CustomFieldDefinitionCreate(WireInput):
    label: str = Field(min_length=1, max_length=100, description="Unique per entity level",
                       examples=["Cost centre"])
    entity_level: CustomFieldEntityLevel = Field(description="The kind of entity the field is stored on",
                                                 examples=["CUSTOMER"])


CUSTOM_FIELD_DEFINITION_RESOURCE = AdminResource(CUSTOM_FIELD_DEFINITIONS, "/custom-field-definitions",
                                                 CustomFieldDefinitionCreate)
router = CUSTOM_FIELD_DEFINITION_RESOURCE.router
