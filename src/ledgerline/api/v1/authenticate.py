"""/v1/authenticate: Elevate's login (vendor notes), answering a short-lived bearer token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import ConfigDict, Field

from ledgerline.api.v1.schemas import WireInput, WireModel, error_responses
from ledgerline.api.wire import WireRoute
from ledgerline.auth import issue_token
from ledgerline.db import Database
from ledgerline.tenants import service

router = APIRouter(tags=["authentication"], route_class=WireRoute)


class AuthenticationRequest(WireInput):
    # Passwords are compared as typed: surrounding spaces are part of them.
    model_config = ConfigDict(str_strip_whitespace=False)

    brand: str = Field(min_length=1, max_length=100, description="The tenant's name", examples=["Acme Billing"])
    username: str = Field(min_length=1, max_length=100, examples=["jane"])
    password: str = Field(min_length=1, max_length=100, examples=["s3cret!"], json_schema_extra={"format": "password"})


class AuthenticationToken(WireModel):
    token: str = Field(description="A JWT to send as `Authorization: Bearer <token>`",
                       examples=["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.signature"])
    username: str = Field(examples=["jane"])


# 401 is the only answer for any wrong credential; no 403, the route needs no token.
_RESPONSES = {code: info for code, info in error_responses().items() if code != 403}
_RESPONSES[401] = {**_RESPONSES[401], "description": "Unknown brand, username or wrong password"}


@router.post("/authenticate", response_model=AuthenticationToken, responses=_RESPONSES,
             summary="Log in with brand, username and password and receive a bearer token")
def authenticate(request: Request, body: AuthenticationRequest) -> AuthenticationToken:
    # A read session: the slow password hash must not hold SQLite's write lock (a POST's
    # request session would take it with BEGIN IMMEDIATE).
    db: Database = request.app.state.db
    with db.session(write=False) as session:
        user = service.authenticate(session, brand=body.brand, username=body.username, password=body.password)
        tenant_id, username, scopes, version = user.tenant_id, user.username, user.scopes, user.token_version
    settings = request.app.state.settings
    # The user's token version rides in the token: revoking the user's tokens refuses it (auth.py).
    token = issue_token(settings, tenant_id=tenant_id, subject=username, scopes=scopes,
                        ttl_seconds=settings.login_token_ttl_seconds, user_version=version)
    return AuthenticationToken(token=token, username=username)
