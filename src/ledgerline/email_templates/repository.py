"""Email template queries."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerline.kit.listing import Filter, FilterKind, Listing, ListQuery, Page
from ledgerline.kit.repository import count_matching, fetch_page
from ledgerline.models import EmailTemplate

EMAIL_TEMPLATE_LISTING = Listing(
    sortable={"id": EmailTemplate.id, "name": EmailTemplate.name, "createdAt": EmailTemplate.created_at},
    filters=[
        Filter("id", FilterKind.ID, EmailTemplate.id, "Filter by email template identifier"),
        Filter("name", FilterKind.STRING, EmailTemplate.name, "Filter by name"),
        Filter("createdAt", FilterKind.DATE, EmailTemplate.created_at, "Filter by creation date"),
    ],
    fields=("id", "locator", "uuid", "name", "subject", "body", "placeholders", "version", "createdAt", "updatedAt"),
    tiebreak=EmailTemplate.id,
)


def _email_templates(tenant_id: uuid.UUID):
    return select(EmailTemplate).where(EmailTemplate.tenant_id == tenant_id)


def page_of_email_templates(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> Page:
    return fetch_page(session, _email_templates(tenant_id), EMAIL_TEMPLATE_LISTING, query)


def count_email_templates(session: Session, tenant_id: uuid.UUID, query: ListQuery) -> int:
    return count_matching(session, _email_templates(tenant_id), EMAIL_TEMPLATE_LISTING, query)
