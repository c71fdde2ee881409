"""``POST authentication/token``: CRM.COM's login (vendor notes), answering a token in the envelope."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from ledgerline.api.crm.envelope import ErrorEnvelope, Status, ok
from ledgerline.api.crm.identifiers import CrmInput
from ledgerline.api.wire import WireJSONResponse, WireRoute
from ledgerline.auth import issue_token
from ledgerline.db import Database
from ledgerline.tenants import service

router = APIRouter(tags=["authentication (CRM.COM)"], route_class=WireRoute)


class CrmTokenRequest(CrmInput):
    # Passwords are compared as typed: surrounding spaces are part of them.
    model_config = ConfigDict(str_strip_whitespace=False)

    username: str = Field(min_length=1, max_length=100, examples=["jane"])
    password: str = Field(min_length=1, max_length=100, examples=["s3cret!"], json_schema_extra={"format": "password"})
    organisation: str = Field(min_length=1, max_length=100, description="The tenant's name (as /v1's brand)",
                              examples=["Acme Billing"])


class Token(BaseModel):
    token: str = Field(description="Send it as the `token` query parameter (GET), the `token` body field (POST) "
                                   "or `Authorization: Bearer`", examples=["eyJhbGciOiJIUzI1NiJ9.e30.signature"])


class TokenEnvelope(BaseModel):
    status: Status
    data: Token


@router.post("/authentication/token", name="crm_authenticate", response_model=TokenEnvelope,
             responses={400: {"model": ErrorEnvelope, "description": "A field is missing or malformed"},
                        401: {"model": ErrorEnvelope, "description": "Unknown organisation, username or wrong password"},
                        413: {"model": ErrorEnvelope, "description": "The body is too large"},
                        415: {"model": ErrorEnvelope, "description": "The body is not JSON"}},
             summary="Log in with username, password and organisation and receive a token")
def authenticate(request: Request, body: CrmTokenRequest) -> Response:
    # A read session: the slow password hash must not hold SQLite's write lock.
    db: Database = request.app.state.db
    with db.session(write=False) as session:
        user = service.authenticate(session, brand=body.organisation, username=body.username, password=body.password)
        tenant_id, username, scopes = user.tenant_id, user.username, user.scopes
    settings = request.app.state.settings
    token = issue_token(settings, tenant_id=tenant_id, subject=username, scopes=scopes,
                        ttl_seconds=settings.login_token_ttl_seconds)
    return WireJSONResponse(ok({"token": token}))
