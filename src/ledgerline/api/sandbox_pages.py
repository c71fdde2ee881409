"""The sandbox provider's hosted pages: mandate approval and payment links (HTML, no bearer token).

A real provider serves these on its own site; the sandbox serves them here so every flow runs offline.
The tenant is in the path and the flow token (or link reference) is the capability: unguessable, one
per mandate set-up or link. Not part of the OpenAPI document of any surface.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, select_autoescape

from ledgerline.api.wire import WireRoute
from ledgerline.db import SessionDep
from ledgerline.kit.money import to_major
from ledgerline.providers import runtime, service

router = APIRouter(prefix="/sandbox", route_class=WireRoute, include_in_schema=False)

_PAGES = Environment(autoescape=select_autoescape(default=True, default_for_string=True))

_MANDATE = _PAGES.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Set up a Direct Debit - {{ provider }}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:2rem auto}label{display:block;margin:.5rem 0}
input{width:100%;padding:.3rem}button{margin-top:1rem;padding:.5rem 1rem}</style></head>
<body><h1>Set up a Direct Debit with {{ provider }}</h1>
<p>Sandbox provider: nothing is debited. Customer: <strong>{{ customer }}</strong>.
Mandate {{ reference }} is <strong id="status">{{ status }}</strong>.</p>
{% if pending %}
<form method="post" id="mandate-form">
<label>First name <input name="first_name" id="first_name" maxlength="100"></label>
<label>Last name <input name="last_name" id="last_name" maxlength="100"></label>
<label>Email address <input name="email_address" id="email_address" type="email" maxlength="255"></label>
<label>Address <input name="address_line1" id="address_line1" maxlength="255"></label>
<label>City <input name="city" id="city" maxlength="100"></label>
<label>Postcode <input name="postcode" id="postcode" maxlength="20"></label>
<label>Country code <input name="country_code" id="country_code" maxlength="2" value="GB"></label>
<button type="submit" id="approve">Set up Direct Debit</button>
</form>
{% endif %}
<p><a href="{{ exit_url }}" id="exit">Cancel and go back</a></p>
</body></html>""")

_PAY = _PAGES.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pay {{ amount }} {{ currency }} - {{ provider }}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:2rem auto}button{margin-top:1rem;padding:.5rem 1rem}</style>
</head><body><h1>Pay {{ amount }} {{ currency }}</h1>
<p>{{ description or "" }}</p><p>Sandbox provider {{ provider }}: no card is charged.
Payment link {{ reference }} is <strong id="status">{{ status }}</strong>.</p>
{% if payable %}
<form method="post" id="pay-form">
<label>Card number <input name="card_number" id="card_number" value="4242 4242 4242 4242" maxlength="30"></label>
<button type="submit" id="pay">Pay {{ amount }} {{ currency }}</button>
</form>
{% else %}<p id="paid">Thank you: the payment was taken.</p>{% endif %}
</body></html>""")

_ENTERED = ("first_name", "last_name", "email_address", "address_line1", "city", "postcode", "country_code")


@router.get("/{tenant_id}/mandates/{flow_token}", response_class=HTMLResponse)
def mandate_page(tenant_id: uuid.UUID, flow_token: str, session: SessionDep) -> HTMLResponse:
    page = service.hosted_mandate_page(session, tenant_id=tenant_id, flow_token=flow_token)
    return HTMLResponse(_MANDATE.render(
        provider=page.provider.name, customer=page.customer_name, reference=page.mandate.mandate_reference,
        status=page.mandate.status, pending=page.mandate.status == "PENDING_CUSTOMER_APPROVAL",
        exit_url=page.mandate.exit_url))


@router.post("/{tenant_id}/mandates/{flow_token}")
def approve_mandate(request: Request, tenant_id: uuid.UUID, flow_token: str, session: SessionDep,
                    first_name: Annotated[str, Form(max_length=100)] = "",
                    last_name: Annotated[str, Form(max_length=100)] = "",
                    email_address: Annotated[str, Form(max_length=255)] = "",
                    address_line1: Annotated[str, Form(max_length=255)] = "",
                    city: Annotated[str, Form(max_length=100)] = "",
                    postcode: Annotated[str, Form(max_length=20)] = "",
                    country_code: Annotated[str, Form(max_length=2)] = "") -> RedirectResponse:
    values = dict(zip(_ENTERED, (first_name, last_name, email_address, address_line1, city, postcode, country_code)))
    return_url = service.approve_mandate(session, tenant_id=tenant_id, flow_token=flow_token,
                                         entered={name: value for name, value in values.items() if value},
                                         runtime=runtime.from_request(request))
    return RedirectResponse(return_url, status_code=303)


@router.get("/{tenant_id}/pay/{reference}", response_class=HTMLResponse)
def pay_page(tenant_id: uuid.UUID, reference: str, session: SessionDep) -> HTMLResponse:
    page = service.pay_page(session, tenant_id=tenant_id, reference=reference)
    return HTMLResponse(_PAY.render(
        provider=page.provider_name, reference=page.reference, description=page.description,
        amount=to_major(page.amount.minor, page.amount.currency), currency=page.amount.currency,
        status=page.status, payable=page.status == "CREATED"))


@router.post("/{tenant_id}/pay/{reference}")
def pay(request: Request, tenant_id: uuid.UUID, reference: str, session: SessionDep) -> RedirectResponse:
    service.pay_link(session, tenant_id=tenant_id, reference=reference, runtime=runtime.from_request(request))
    return RedirectResponse(str(request.url), status_code=303)
