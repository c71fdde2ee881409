"""An invoice of fake data with marketing info in its template's slots, rendered as HTML.

Jinja2 renders it with autoescaping on: every value a client sent (slot text, names, image
URLs) is escaped where it is placed and never concatenated into markup. Rich text is shown
as escaped paragraphs: markup in it is displayed, not interpreted, because there is no
sanitiser to make client HTML safe to embed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ledgerline.kit.money import round_major
from ledgerline.models.enums import MarketingContentType

PAGE_WIDTHS = {"A4": "210mm", "LETTER": "8.5in"}
_TAX_RATE = Decimal("20")
_LINES = (("Fibre broadband 500 Mb, May", 1, Decimal("32.50")), ("Line rental, May", 1, Decimal("18.00")),
          ("Calls to mobiles (minutes)", 112, Decimal("0.05")))


def _fake_invoice() -> dict[str, Any]:
    lines = [{"description": text, "quantity": quantity, "amount": round_major(quantity * price, "GBP")}
             for text, quantity, price in _LINES]
    subtotal = sum((line["amount"] for line in lines), Decimal("0.00"))
    tax = round_major(subtotal * _TAX_RATE / 100, "GBP")
    return {
        "number": "INV-0000001", "issue_date": "2024-05-01", "due_date": "2024-05-31",
        "account_number": "CUS-0000001", "customer_name": "Alex Example",
        "address": ["1 Sample Street", "Exampleton", "EX1 2PL"], "currency": "GBP", "lines": lines,
        "subtotal": subtotal, "tax_rate": _TAX_RATE, "tax": tax, "total": subtotal + tax,
    }


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("ledgerline.admin", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def sub_brand_logo_url(sub_brand_id: int | None) -> str | None:
    """Where the preview's sub-brand logo comes from: the sub-brand's own logo resource."""
    return None if sub_brand_id is None else f"/v1/contract-owner-sub-brands/{sub_brand_id}/logo"


def _slot_view(slot: Mapping[str, Any], filled: Mapping[str, Any] | None) -> dict[str, Any]:
    content_type = MarketingContentType(filled["content_type"]) if filled else MarketingContentType.BLANK
    text = (filled or {}).get("text") or ""
    return {
        "name": slot["name"],
        "content_type": content_type.value,
        "text": text,
        "paragraphs": [block.splitlines() for block in text.split("\n\n") if block.strip()],
        "image_url": (filled or {}).get("image_url"),
    }


def render_invoice_preview(*, template_name: str, page_size: str, template_slots: Sequence[Mapping[str, Any]],
                           filled_slots: Sequence[Mapping[str, Any]], logo_url: str | None) -> str:
    """The template's slots in layout order; a slot the marketing info does not fill stays blank."""
    filled = {slot["slot_name"]: slot for slot in filled_slots}
    return _environment().get_template("invoice_preview.html").render(
        template_name=template_name, page_size=page_size, page_width=PAGE_WIDTHS[page_size],
        invoice=_fake_invoice(), logo_url=logo_url,
        slots=[_slot_view(slot, filled.get(slot["name"])) for slot in template_slots],
    )
