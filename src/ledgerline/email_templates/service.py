"""Email template rules: every ``{{`` opens a well-formed placeholder; no deletion while referenced."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy.orm import Session

from ledgerline.email_templates import repository
from ledgerline.errors import Conflict, InvalidRequest, not_found
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.repository import get_scoped, tables_referencing
from ledgerline.models import EmailTemplate

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")
# The fields that may hold placeholders (their wire names are the same).
_TEMPLATED = ("subject", "body")


def placeholders_in(text: str, *, field: str) -> list[str]:
    """The placeholder names in ``text`` in order; 422 naming ``field`` when a ``{{`` opens none."""
    names = []
    position = 0
    while (start := text.find("{{", position)) != -1:
        match = _PLACEHOLDER.match(text, start)
        if match is None:
            raise InvalidRequest.for_field(
                field, f"'{{{{' at character {start + 1} does not open a {{{{placeholder}}}} "
                       "(a name of letters, digits, '_' and '.', closed by '}}')")
        names.append(match.group(1))
        position = match.end()
    return names


def placeholders(template: EmailTemplate) -> list[str]:
    """Every placeholder of the subject and body, once each, sorted."""
    return sorted({name for field in _TEMPLATED for name in placeholders_in(getattr(template, field), field=field)})


def _check_placeholders(values: dict[str, Any]) -> None:
    for field in _TEMPLATED:
        if field in values:
            placeholders_in(values[field], field=field)


def get_email_template(session: Session, *, tenant_id: uuid.UUID, email_template_id: int,
                       for_update: bool = False) -> EmailTemplate:
    template = get_scoped(session, EmailTemplate, tenant_id, email_template_id, for_update=for_update)
    if template is None:
        raise not_found("Email template", email_template_id)
    return template


def create_email_template(session: Session, *, tenant_id: uuid.UUID, **values: Any) -> EmailTemplate:
    _check_placeholders(values)
    template = EmailTemplate(tenant_id=tenant_id, **values)
    session.add(template)
    session.flush()
    return template


def update_email_template(session: Session, *, template: EmailTemplate, changes: dict[str, Any]) -> EmailTemplate:
    _check_placeholders(changes)
    for attribute, value in changes.items():
        setattr(template, attribute, value)
    session.flush()
    return template


def delete_email_template(session: Session, *, template: EmailTemplate) -> None:
    referenced_by = tables_referencing(session, EmailTemplate.__table__, template.tenant_id, template.id)
    if referenced_by:
        names = ", ".join(name.replace("_", " ") for name in referenced_by)
        raise Conflict(f"email template {template.id} is still referenced by {names}")
    session.delete(template)
    session.flush()


def list_email_templates(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.EMAIL_TEMPLATES.page(session, tenant_id, criteria)


def count_email_templates(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.EMAIL_TEMPLATES.count(session, tenant_id, criteria)
