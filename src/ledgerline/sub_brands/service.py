"""Contract-owner sub-brand rules: references exist, one default per contract owner, logos are images.

Every check runs before the first write, and the request's one transaction holds all the
writes, so a refused request leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ledgerline.errors import Conflict, InvalidRequest, NotFound, UnsupportedMediaType, not_found
from ledgerline.kit.criteria import Criteria, Page
from ledgerline.kit.images import DamagedImage, NotAnAcceptedImage, recognise_image
from ledgerline.kit.repository import check_references, get_scoped, tables_referencing
from ledgerline.models import ContractOwner, ContractOwnerSubBrand, EmailTemplate, SubBrandAddress, SubBrandLogo
from ledgerline.models.base import utcnow
from ledgerline.sub_brands import repository

_REFERENCES: dict[str, type] = {"contract_owner_id": ContractOwner, "email_template_id": EmailTemplate}


@dataclass(frozen=True)
class LogoUpload:
    """Logo bytes as sent, and the form part they came in (named in errors)."""

    field: str
    data: bytes


@dataclass(frozen=True)
class AcceptedLogo:
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def accept_logo(upload: LogoUpload, *, max_bytes: int) -> AcceptedLogo:
    """The logo if it is a PNG, JPEG, GIF or WebP image (by content) of at most ``max_bytes``."""
    if not upload.data:
        raise InvalidRequest.for_field(upload.field, "is empty")
    if len(upload.data) > max_bytes:
        raise InvalidRequest.for_field(upload.field, f"is {len(upload.data)} bytes; at most {max_bytes} are accepted")
    try:
        image = recognise_image(upload.data)
    except NotAnAcceptedImage as exc:
        raise UnsupportedMediaType.for_field(upload.field, str(exc)) from None
    except DamagedImage as exc:
        raise InvalidRequest.for_field(upload.field, str(exc)) from None
    return AcceptedLogo(content_type=image.content_type, data=upload.data)


def get_sub_brand(session: Session, *, tenant_id: uuid.UUID, sub_brand_id: int,
                  for_update: bool = False) -> ContractOwnerSubBrand:
    sub_brand = get_scoped(session, ContractOwnerSubBrand, tenant_id, sub_brand_id, for_update=for_update)
    if sub_brand is None:
        raise not_found("Contract owner sub-brand", sub_brand_id)
    return sub_brand


def _clear_default(session: Session, tenant_id: uuid.UUID, contract_owner_id: int, *, keep: int | None) -> None:
    """Make the contract owner's current default sub-brand (other than ``keep``) not the default.

    The contract owner's row lock serializes concurrent switches; the partial unique index
    refuses whatever would still slip through.
    """
    get_scoped(session, ContractOwner, tenant_id, contract_owner_id, for_update=True)
    previous = repository.default_sub_brand_of(session, tenant_id, contract_owner_id)
    if previous is not None and previous.id != keep:
        previous.default_sub_brand = False
        session.flush()  # before the new default is written, or the unique index sees two


def _save_logo(session: Session, sub_brand: ContractOwnerSubBrand, logo: AcceptedLogo) -> None:
    stored = repository.logo_of(session, sub_brand.tenant_id, sub_brand.id)
    if stored is None:
        stored = SubBrandLogo(tenant_id=sub_brand.tenant_id, sub_brand_id=sub_brand.id)
        session.add(stored)
    stored.content_type = logo.content_type
    stored.size = len(logo.data)
    stored.sha256 = logo.sha256
    stored.data = logo.data


def create_sub_brand(session: Session, *, tenant_id: uuid.UUID, address: dict[str, Any],
                     logo: LogoUpload | None = None, max_logo_bytes: int, **values: Any) -> ContractOwnerSubBrand:
    accepted = accept_logo(logo, max_bytes=max_logo_bytes) if logo is not None else None
    check_references(session, tenant_id, values, _REFERENCES)
    if values.get("default_sub_brand"):
        _clear_default(session, tenant_id, values["contract_owner_id"], keep=None)
    sub_brand = ContractOwnerSubBrand(tenant_id=tenant_id, address=SubBrandAddress(tenant_id=tenant_id, **address),
                                      **values)
    session.add(sub_brand)
    session.flush()
    if accepted is not None:
        _save_logo(session, sub_brand, accepted)
        session.flush()
    return sub_brand


def update_sub_brand(session: Session, *, sub_brand: ContractOwnerSubBrand, changes: dict[str, Any],
                     logo: LogoUpload | None = None, max_logo_bytes: int) -> ContractOwnerSubBrand:
    """Apply validated attribute changes (``address`` as a whole dict) and an optional new logo."""
    accepted = accept_logo(logo, max_bytes=max_logo_bytes) if logo is not None else None
    changes = dict(changes)
    check_references(session, sub_brand.tenant_id, changes, _REFERENCES)
    owner_id = changes.get("contract_owner_id", sub_brand.contract_owner_id)
    becomes_default = changes.get("default_sub_brand", sub_brand.default_sub_brand) and (
        not sub_brand.default_sub_brand or owner_id != sub_brand.contract_owner_id)
    if becomes_default:
        _clear_default(session, sub_brand.tenant_id, owner_id, keep=sub_brand.id)
    if accepted is not None:
        _save_logo(session, sub_brand, accepted)
    # No query from here on: each would flush the changes so far, one version step each.
    address = changes.pop("address", None)
    for attribute, value in (address or {}).items():
        setattr(sub_brand.address, attribute, value)
    for attribute, value in changes.items():
        setattr(sub_brand, attribute, value)
    if address is not None or accepted is not None:
        # The address and logo live in rows of their own: touch the sub-brand so that its
        # version (the ETag) and updatedAt move with them.
        sub_brand.updated_at = utcnow()
    session.flush()
    return sub_brand


def delete_sub_brand(session: Session, *, sub_brand: ContractOwnerSubBrand) -> None:
    users = [table for table in tables_referencing(session, ContractOwnerSubBrand.__table__, sub_brand.tenant_id,
                                                   sub_brand.id) if table != SubBrandLogo.__tablename__]
    if users:
        raise Conflict(f"contract owner sub-brand {sub_brand.id} is used by {', '.join(sorted(users))}; "
                       "move them to another sub-brand first")
    repository.delete_logo(session, sub_brand.tenant_id, sub_brand.id)
    session.delete(sub_brand)  # its address goes with it
    session.flush()


def logo_of(session: Session, *, sub_brand: ContractOwnerSubBrand, with_data: bool = False) -> SubBrandLogo | None:
    return repository.logo_of(session, sub_brand.tenant_id, sub_brand.id, with_data=with_data)


def delete_logo(session: Session, *, sub_brand: ContractOwnerSubBrand) -> None:
    if not repository.delete_logo(session, sub_brand.tenant_id, sub_brand.id):
        raise NotFound(f"contract owner sub-brand {sub_brand.id} has no logo")
    sub_brand.updated_at = utcnow()
    session.flush()


def list_sub_brands(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> Page:
    return repository.SUB_BRANDS.page(session, tenant_id, criteria)


def count_sub_brands(session: Session, *, tenant_id: uuid.UUID, criteria: Criteria) -> int:
    return repository.SUB_BRANDS.count(session, tenant_id, criteria)
