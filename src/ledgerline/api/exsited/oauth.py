"""``POST /api/v1/oauth2/token``: the token endpoint the Exsited SDK authenticates with.

The SDK posts JSON ``{grant_type, client_id, client_secret, redirect_uri, exsited_url}`` (its
RequestTokenDTO, snake_cased) and reads ``access_token``, ``refresh_token`` and ``expires_in``. The
access token is Ledgerline's own bearer JWT (auth.issue_token) for the client's tenant and scopes.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response
from pydantic import ConfigDict, Field

from ledgerline.api.exsited.common import ExsitedInput, ExsitedModel, error_responses
from ledgerline.api.wire import WireJSONResponse, WireRoute
from ledgerline.api_clients import service
from ledgerline.auth import issue_token
from ledgerline.db import SessionDep
from ledgerline.errors import InvalidRequest

router = APIRouter(tags=["authentication (Exsited)"], route_class=WireRoute)


class ExsitedTokenRequest(ExsitedInput):
    # Secrets are compared as sent: surrounding spaces are part of them.
    model_config = ConfigDict(str_strip_whitespace=False)

    grant_type: Literal["client_credentials", "refresh_token"] = Field(examples=["client_credentials"])
    client_id: str = Field(min_length=1, max_length=64, examples=["llc_0123456789abcdef01234567"])
    client_secret: str = Field(min_length=1, max_length=200, examples=["s3cret"],
                               json_schema_extra={"format": "password"})
    refresh_token: str | None = Field(default=None, min_length=1, max_length=200,
                                      description="Required with grant_type refresh_token")
    redirect_uri: str | None = Field(default=None, max_length=2000, description="Accepted and not used "
                                     "(the SDK always sends one)", examples=["https://app.example/callback"])
    exsited_url: str | None = Field(default=None, max_length=2000, description="Accepted and not used "
                                    "(the SDK sends its base URL)", examples=["https://ledgerline.example"])


class TokenResponse(ExsitedModel):
    access_token: str = Field(description="A JWT to send as `Authorization: Bearer <token>`",
                              examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.signature"])
    refresh_token: str = Field(description="Renews the token once (grant_type refresh_token)",
                               examples=["q0Jt1mO3Y5yqv8kS2tQf0m6WcD3s9aZb1e7XhN4uVpI"])
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds until the access token expires", examples=[900])


_RESPONSES = {code: info for code, info in error_responses().items() if code != 403}
_RESPONSES[400] = {**_RESPONSES[400], "description": "Malformed request, unknown grant type, or a refresh "
                                                     "token that is unknown, expired or used"}
_RESPONSES[401] = {**_RESPONSES[401], "description": "Unknown client, wrong secret or revoked client"}


@router.post("/v1/oauth2/token", response_model=TokenResponse, responses=_RESPONSES, name="exsited_token",
             summary="Exchange client credentials (or a refresh token) for a bearer token")
def token(request: Request, body: ExsitedTokenRequest, session: SessionDep) -> Response:
    if body.grant_type == "refresh_token":
        if body.refresh_token is None:
            error = InvalidRequest.for_field("refresh_token", "is required with grant_type refresh_token")
            error.wire_named = True
            raise error
        grant = service.refresh_token_grant(session, client_id=body.client_id, client_secret=body.client_secret,
                                            refresh_token=body.refresh_token)
    else:
        grant = service.client_credentials_grant(session, client_id=body.client_id, client_secret=body.client_secret)
    settings = request.app.state.settings
    ttl = settings.login_token_ttl_seconds
    access = issue_token(settings, tenant_id=grant.tenant_id, subject=grant.subject, scopes=grant.scopes,
                         ttl_seconds=ttl)
    # RFC 6749 5.1: token answers are never cached.
    return WireJSONResponse({"access_token": access, "refresh_token": grant.refresh_token, "token_type": "Bearer",
                             "expires_in": ttl}, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
