"""The same POST sent many times at once with one Idempotency-Key creates one payment.

These requests really commit (no rolled-back outer transaction), in a tenant of their own.
"""

from __future__ import annotations

import asyncio

import httpx

from ledgerline.app import create_app
from ledgerline.db import Database
from tests.conftest import bearer, make_tenant


def test_concurrent_retries_create_one_payment(engine, settings):
    database = Database(engine)
    app = create_app(settings, database=database)
    auth = bearer(settings, make_tenant(database))

    async def scenario() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ledgerline") as client:
            customer = (await client.post("/v1/customers", json={"name": "Race", "currency": "GBP"},
                                          headers=auth)).json()
            body = {"customerId": customer["id"], "amountInMajorCurrency": "10.00", "paymentMethod": "CHEQUE",
                    "status": "POSTED"}
            headers = {**auth, "Idempotency-Key": "same-key"}
            responses = await asyncio.gather(*(client.post("/v1/payments", json=body, headers=headers)
                                               for _ in range(12)))
            # Once the first has answered, every retry replays it.
            responses.append(await client.post("/v1/payments", json=body, headers=headers))
            listing = await client.get("/v1/payments", params={"customerId": customer["id"]}, headers=auth)
            assert listing.headers["X-Total-Count"] == "1"
            return responses

    responses = asyncio.run(scenario())
    created = [r for r in responses if r.status_code == 201]
    assert created, [r.status_code for r in responses]
    assert {r.status_code for r in responses} <= {201, 409}
    assert len({r.json()["id"] for r in created}) == 1
    assert responses[-1].status_code == 201 and responses[-1].headers.get("Idempotent-Replayed") == "true"
