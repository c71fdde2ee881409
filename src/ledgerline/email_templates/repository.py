"""Email template queries."""

from __future__ import annotations

from ledgerline.kit.criteria import ColumnMap, day, ident, text
from ledgerline.kit.repository import TenantRows
from ledgerline.models import EmailTemplate

EMAIL_TEMPLATE_COLUMNS = ColumnMap({
    "id": ident(EmailTemplate.id),
    "name": text(EmailTemplate.name),
    "created_at": day(EmailTemplate.created_at),
}, tiebreak=EmailTemplate.id)

EMAIL_TEMPLATES = TenantRows(EmailTemplate, EMAIL_TEMPLATE_COLUMNS)
