"""Domain rules of the admin entities beyond the shape of their fields.

Each rule sees the whole state an entity would have after a create or update (attribute
names, with ``tenant_id`` and ``id``, None on create) and raises to refuse it, so a rule
holds however the change arrives (a full body or one JSON Patch operation).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic.alias_generators import to_camel
from sqlalchemy.orm import Session

from ledgerline.admin import repository
from ledgerline.errors import Conflict, InvalidRequest
from ledgerline.kit.repository import get_scoped
from ledgerline.models import InvoiceTemplate
from ledgerline.models.enums import MarketingContentType


def available_to_not_before_available_from(session: Session, state: Mapping[str, Any]) -> None:
    available_from, available_to = state["available_from"], state.get("available_to")
    if available_to is not None and available_to < available_from:
        raise InvalidRequest.for_field(
            "available_to", f"{available_to.isoformat()} is before the date it is available from, {available_from.isoformat()}")


def auto_close_needs_days(session: Session, state: Mapping[str, Any]) -> None:
    if state.get("auto_close_enabled") and state.get("auto_close_days") is None:
        raise InvalidRequest.for_field("auto_close_days", "is required when auto close is enabled")


_CONTENT_FIELD = {MarketingContentType.TEXT: "text", MarketingContentType.RICH_TEXT: "text",
                  MarketingContentType.IMAGE: "image_url", MarketingContentType.BLANK: None}


def _check_slot_content(index: int, slot: Mapping[str, Any]) -> None:
    """BLANK carries nothing, TEXT and RICH_TEXT carry text, IMAGE an imageUrl: exactly one or none."""
    content_type = MarketingContentType(slot["content_type"])
    needed = _CONTENT_FIELD[content_type]
    for name in ("text", "image_url"):
        if name == needed and not slot.get(name):
            raise InvalidRequest.for_field(f"slots.{index}.{to_camel(name)}",
                                           f"is required for {content_type.value} content")
        if name != needed and slot.get(name) is not None:
            raise InvalidRequest.for_field(f"slots.{index}.{to_camel(name)}",
                                           f"must be absent for {content_type.value} content")


def marketing_slots_fit_the_template(session: Session, state: Mapping[str, Any]) -> None:
    """Marketing info fills slots of its invoice template, and no others, each with content of its type."""
    template = get_scoped(session, InvoiceTemplate, state["tenant_id"], state["invoice_template_id"])
    if template is None:  # the reference check names the field; nothing to compare against
        return
    names = [slot["name"] for slot in template.marketing_slots]
    for index, slot in enumerate(state.get("slots") or ()):
        if slot["slot_name"] not in names:
            raise InvalidRequest.for_field(
                f"slots.{index}.slotName",
                f"invoice template {template.id} has no marketing slot '{slot['slot_name']}' "
                f"(its slots: {', '.join(names) or 'none'})")
        _check_slot_content(index, slot)


def filled_marketing_slots_are_kept(session: Session, state: Mapping[str, Any]) -> None:
    """A template cannot drop a slot that marketing info still fills: that content would vanish unseen."""
    if state["id"] is None:
        return
    kept = {slot["name"] for slot in state["marketing_slots"]}
    for name, info_id in repository.marketing_slots_in_use(session, state["tenant_id"], state["id"]).items():
        if name not in kept:
            raise Conflict(f"marketing slot '{name}' is filled by invoice marketing info {info_id}; "
                           "remove it there first")
