"""What every /billing/{tenantLocator} operation shares: the tenant check, scopes, offset/count paging."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from ledgerline.auth import Principal, check_scopes, current_principal, dependency_name
from ledgerline.errors import NotFound

DEFAULT_COUNT = 100
MAX_COUNT = 1000
ULID_PATTERN = r"^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$"

Locator = Annotated[str, Path(pattern=ULID_PATTERN, description="A ULID", examples=["01JDQ3Z6V1T8G9C6W7N5K2M4PX"])]
Offset = Annotated[int, Query(ge=0, le=2**31, description="How many items to skip", examples=[0])]
Count = Annotated[int, Query(ge=1, le=MAX_COUNT, examples=[DEFAULT_COUNT],
                             description=f"How many items at most (default {DEFAULT_COUNT}, at most {MAX_COUNT})")]
Extended = Annotated[bool, Query(description="Also return targets, parentCreditLocator and createdBy",
                                 examples=[False])]


def permitted(*scopes: str) -> Callable[..., Principal]:
    """The caller's principal, provided the path's tenant is the token's (else 404) and it holds one of
    ``scopes`` (else 403): Socotra lists each operation's permissions, any of which grants it."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)],
                   tenant_locator: Annotated[str, Path(alias="tenantLocator", description="The tenant (a UUID)",
                                                       examples=["4f0c8a52-3c1e-4d7a-9b2f-6e5d4c3b2a19"])]
                   ) -> Principal:
        try:
            same_tenant = uuid.UUID(tenant_locator) == principal.tenant_id
        except ValueError:
            same_tenant = False
        if not same_tenant:
            raise NotFound(f"tenant {tenant_locator} does not exist")
        return check_scopes(principal, scopes, word="permission")

    dependency.__name__ = dependency_name("permitted_", scopes)
    return dependency


class SocotraModel(BaseModel):
    """Socotra's wire names are already camelCase; optional properties are left out when empty."""

    model_config = ConfigDict(populate_by_name=True)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="python", exclude_none=True)


class Problem(BaseModel):
    """RFC 9457 problem details, as every /billing error is answered."""

    type: str = Field(examples=["about:blank"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["Credit 01JDQ3Z6V1T8G9C6W7N5K2M4PX does not exist"])
    errors: list[dict[str, str]] | None = None


_TEXT = {400: "A parameter is malformed", 401: "Missing or invalid bearer token",
         403: "The token lacks the permission", 404: "No such tenant or resource"}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Documented as application/json here; the app's OpenAPI hook files them under application/problem+json."""
    return {code: {"model": Problem, "description": _TEXT[code]} for code in (400, 401, 403, 404, *codes)}
