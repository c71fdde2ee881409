"""The sandbox provider: a deterministic direct-debit provider that runs offline.

It behaves like a real one: a collection is SUBMITTED at once and settles
``LEDGERLINE_SANDBOX_SETTLE_SECONDS`` later through signed webhook events (minor units ending in 13
fail, in 66 pay out and are charged back a settle period later, anything else pays out); refunds go
SUBMITTED then PAID (ending in 13: BOUNCED); mandates are approved on a hosted HTML page. Its books
(what it was asked, which events it still owes) are the ``sandbox_operations`` table, and its clock is
driven from outside: ``due_deliveries`` hands over the signed bodies of every event due by ``now``,
which the janitor, the server's background task or ``POST /v1/payment-provider-sandbox-settlements``
delivers to the webhook code path.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from ledgerline.errors import BadRequest, Conflict, NotFound
from ledgerline.kit.ids import new_locator
from ledgerline.models.base import utcnow
from ledgerline.providers import planning, repository, signing
from ledgerline.providers.base import (
    CollectionRequest, InstantBankPayment, MandateDetails, MandateSetup, PaymentLinkRequest, ProviderContext,
    ProviderEventData, Submitted,
)


@dataclass(frozen=True)
class Delivery:
    """One signed webhook request the sandbox sends: to the provider's webhook endpoint."""

    provider_id: int
    body: bytes
    headers: dict[str, str]


def _reference(kind: str) -> str:
    return f"SBX-{kind}-{new_locator()}"


def _steps(steps: list[tuple[dt.datetime, str]]) -> list[dict[str, str]]:
    return [{"at": at.isoformat(), "status": status} for at, status in steps]


def _parsed_steps(steps: list[dict[str, str]]) -> list[tuple[dt.datetime, str]]:
    return [(dt.datetime.fromisoformat(step["at"]), step["status"]) for step in steps]


class SandboxProvider:
    name = "sandbox"
    collects = True

    # --- collections ---------------------------------------------------------------------------

    def collect(self, ctx: ProviderContext, request: CollectionRequest) -> Submitted:
        now = utcnow()
        steps = planning.sandbox_collection_steps(request.amount_minor, now, ctx.runtime.settle_seconds)
        reference = _reference("PM")
        repository.sandbox_insert(ctx.session, tenant_id=ctx.tenant_id, provider_id=ctx.provider_id,
                                  resource_type="payment", reference=reference, amount_minor=request.amount_minor,
                                  currency=request.currency, status="SUBMITTED", steps=_steps(steps),
                                  details={"mandateReference": request.mandate_reference}, now=now)
        return Submitted(reference, "SUBMITTED")

    def cancel_collection(self, ctx: ProviderContext, reference: str) -> str:
        operation = self._operation(ctx, reference, "payment")
        if operation.emitted:
            raise Conflict(f"collection {reference} has been settled by the provider; it cannot be cancelled")
        now = utcnow()
        repository.sandbox_reschedule(ctx.session, operation, steps=[{"at": now.isoformat(), "status": "CANCELLED"}])
        return "CANCELLED"

    def collection_status(self, ctx: ProviderContext, reference: str) -> str:
        operation = self._operation(ctx, reference, "payment")
        return planning.status_at(_parsed_steps(operation.steps), operation.status, utcnow())

    # --- refunds ---------------------------------------------------------------------------------

    def refund(self, ctx: ProviderContext, *, payment_reference: str | None, amount_minor: int,
               currency: str) -> Submitted:
        now = utcnow()
        reference = _reference("RF")
        steps = planning.sandbox_refund_steps(amount_minor, now, ctx.runtime.settle_seconds)
        repository.sandbox_insert(ctx.session, tenant_id=ctx.tenant_id, provider_id=ctx.provider_id,
                                  resource_type="refund", reference=reference, amount_minor=amount_minor,
                                  currency=currency, status="CREATED", steps=_steps(steps),
                                  details={"paymentReference": payment_reference}, now=now)
        return Submitted(reference, "CREATED")

    def refund_status(self, ctx: ProviderContext, reference: str) -> str:
        operation = self._operation(ctx, reference, "refund")
        return planning.status_at(_parsed_steps(operation.steps), operation.status, utcnow())

    # --- mandates --------------------------------------------------------------------------------

    def create_mandate(self, ctx: ProviderContext, *, return_url: str, exit_url: str) -> MandateSetup:
        reference, customer_reference = _reference("MD"), _reference("CU")
        flow_token = secrets.token_urlsafe(24)
        redirect_url = f"{ctx.runtime.base_url}/sandbox/{ctx.tenant_id}/mandates/{flow_token}"
        repository.sandbox_insert(ctx.session, tenant_id=ctx.tenant_id, provider_id=ctx.provider_id,
                                  resource_type="mandate", reference=reference, amount_minor=0, currency=None,
                                  status="PENDING_CUSTOMER_APPROVAL", steps=[],
                                  details={"customerReference": customer_reference, "flowToken": flow_token,
                                           "returnURL": return_url, "exitURL": exit_url}, now=utcnow())
        return MandateSetup(reference, customer_reference, flow_token, redirect_url, "PENDING_CUSTOMER_APPROVAL")

    def approve_mandate(self, ctx: ProviderContext, reference: str, entered: dict[str, Any]) -> None:
        """The hosted page's form was submitted: the mandate is ACTIVE, and says so by an event due now."""
        operation = self._operation(ctx, reference, "mandate")
        if operation.status != "PENDING_CUSTOMER_APPROVAL":
            raise Conflict(f"mandate {reference} is {operation.status}; it was approved or cancelled already")
        now = utcnow()
        repository.sandbox_approve(ctx.session, operation, status="ACTIVE", details={**operation.details, **entered},
                                   steps=[{"at": now.isoformat(), "status": "ACTIVE"}])

    def fetch_mandate(self, ctx: ProviderContext, mandate_reference: str) -> MandateDetails:
        operation = self._operation(ctx, mandate_reference, "mandate")
        details = dict(operation.details)
        return MandateDetails(mandate_reference, details.pop("customerReference"), operation.status,
                              operation.created_at, details)

    def instant_bank_payments(self, ctx: ProviderContext, mandate_reference: str) -> list[InstantBankPayment]:
        self._operation(ctx, mandate_reference, "mandate")
        return [InstantBankPayment(mandate_reference, op.amount_minor, op.currency or "", op.details.get("description"),
                                   op.reference, op.created_at)
                for op in repository.sandbox_instant_payments(ctx.session, ctx.tenant_id, mandate_reference)]

    # --- payment links ---------------------------------------------------------------------------

    def payment_link(self, ctx: ProviderContext, request: PaymentLinkRequest) -> Submitted:
        reference = _reference("PL")
        url = f"{ctx.runtime.base_url}/sandbox/{ctx.tenant_id}/pay/{reference}"
        repository.sandbox_insert(ctx.session, tenant_id=ctx.tenant_id, provider_id=ctx.provider_id,
                                  resource_type="payment_link", reference=reference, amount_minor=request.amount_minor,
                                  currency=request.currency, status="CREATED", steps=[],
                                  details={"url": url, "description": request.description,
                                           "emailAddress": request.email_address}, now=utcnow())
        return Submitted(url, "CREATED")

    def pay_link(self, ctx: ProviderContext, reference: str) -> None:
        """The pay page's form was submitted: the money is taken, and the PAID_OUT event is due now."""
        operation = self._operation(ctx, reference, "payment_link")
        if operation.status != "CREATED":
            raise Conflict(f"payment link {reference} is {operation.status}; it can be paid once")
        now = utcnow()
        repository.sandbox_approve(ctx.session, operation, status="PAID_OUT", details=operation.details,
                                   steps=[{"at": now.isoformat(), "status": "PAID_OUT"}])

    # --- events ----------------------------------------------------------------------------------

    def verify_and_parse(self, ctx: ProviderContext, raw_body: bytes, headers: dict[str, str],
                         now: dt.datetime) -> list[ProviderEventData]:
        signing.verify(ctx.webhook_secret, raw_body, headers.get(signing.HEADER), now=now.timestamp(),
                       tolerance_seconds=ctx.runtime.signature_tolerance_seconds)
        return parse_events(raw_body)

    def due_deliveries(self, ctx: ProviderContext, now: dt.datetime) -> list[Delivery]:
        """The signed bodies of the provider's events due by ``now``, marked sent (one body per operation)."""
        deliveries = []
        for operation in repository.sandbox_due(ctx.session, ctx.tenant_id, ctx.provider_id, now):
            steps = operation.steps
            due = [index for index in range(operation.emitted, len(steps))
                   if dt.datetime.fromisoformat(steps[index]["at"]) <= now]
            if not due:
                continue
            events = [{"id": f"{operation.reference}-{index}", "resourceType": operation.resource_type,
                       "reference": operation.reference, "status": steps[index]["status"],
                       "occurredAt": steps[index]["at"],
                       **({"amountMinor": operation.amount_minor} if operation.amount_minor else {})}
                      for index in due]
            body = json.dumps({"events": events}, separators=(",", ":")).encode()
            # Signed at the real time, however far ahead the sandbox's clock was driven.
            signature = signing.sign(ctx.webhook_secret, body, int(utcnow().timestamp()))
            deliveries.append(Delivery(ctx.provider_id, body, {signing.HEADER: signature}))
            repository.sandbox_emitted(ctx.session, operation, emitted=due[-1] + 1, status=steps[due[-1]]["status"])
        return deliveries

    def _operation(self, ctx: ProviderContext, reference: str, resource_type: str):  # noqa: ANN202
        operation = repository.sandbox_operation(ctx.session, ctx.tenant_id, ctx.provider_id, reference)
        if operation is None or operation.resource_type != resource_type:
            raise NotFound(f"{resource_type.replace('_', ' ')} {reference} not found at the provider")
        return operation


def parse_events(raw_body: bytes) -> list[ProviderEventData]:
    """``{"events": [{"id", "resourceType", "reference", "status", "occurredAt", ...}]}``; 400 if malformed."""
    try:
        document = json.loads(raw_body)
        events = []
        for item in document["events"]:
            occurred = dt.datetime.fromisoformat(item["occurredAt"])
            if occurred.tzinfo is None:
                occurred = occurred.replace(tzinfo=dt.timezone.utc)
            fields = (item["id"], item["resourceType"], item["reference"], item["status"])
            if not all(isinstance(value, str) and 0 < len(value) <= 100 for value in fields):
                raise ValueError("id, resourceType, reference and status are strings of 1..100 characters")
            events.append(ProviderEventData(*fields, occurred_at=occurred, payload=item))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadRequest(f"webhook body is not a list of events: {exc}") from None
    return events
