"""Schemathesis against the app's own OpenAPI: every operation, with a token holding every scope.

Each operation is fuzzed with schema-conforming (positive) and schema-breaking (negative) requests,
derandomized and bounded. Every answer must be documented: no 5xx, a documented status code and
content type, a body that matches the documented schema, and 4xx answers in the surface's envelope.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ledgerline.app import create_app
from tests.conftest import RollbackDatabase, bearer, make_settings, make_tenant, rolled_back, savepoint
from tests.factories import (
    create_bill,
    create_bill_run,
    create_billing_cycle,
    create_customer,
    create_invoice,
    create_resource,
    create_site,
    create_sub_brand,
    image_bytes,
)
from tests.spec import SPEC, envelope_problems, operations

# Examples per operation and mode: 173 operations x 2 modes x 2 backends must fit CI's budget.
POSITIVE_EXAMPLES = 10
NEGATIVE_EXAMPLES = 6
FUZZ = settings(derandomize=True, database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck))

SCHEMA = schemathesis.openapi.from_dict(SPEC)
OPERATIONS = [(method, path) for method, path, _ in operations()]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]


def _first_id(body: Any) -> Any:
    items = (body.get("items", body.get("payments")) if isinstance(body, dict) else body)
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return next((items[0][key] for key in ("id", "locator", "uuid") if key in items[0]), None)
    return None


def seed_world(client, auth) -> None:
    """A small tenant, so that fuzzed path ids can name rows that exist."""
    customer = create_customer(client, auth)
    create_site(client, auth, customer["id"])
    invoice = create_invoice(client, auth, customer["id"], status="POSTED")
    # A row that moved no money (its nullable fields null), so GET by id answers a real one.
    create_resource(client, auth, "/v1/invoice-payments", {"generatedInvoiceId": invoice["id"], "paymentMethod": "BACS",
                                                           "amountInMajorCurrency": "1.00",
                                                           "thirdPartyPaymentStatus": "FAILED"})
    create_bill(client, auth, customer["id"])
    create_bill_run(client, auth)
    create_billing_cycle(client, auth)
    create_sub_brand(client, auth, logo=image_bytes("PNG"))
    create_resource(client, auth, "/v1/payments", {"customerId": customer["id"], "amountInMajorCurrency": "10.00",
                                                   "paymentMethod": "CHEQUE", "status": "DRAFT"})
    create_resource(client, auth, "/v1/gift-certificates", {"code": "FUZZ-1", "currency": "GBP",
                                                            "amountInMajorCurrency": "25.00"})
    # Events exist already (customer.created...); an endpoint and a delivery of one (a replay) join them.
    endpoint = create_resource(client, auth, "/v1/webhook-endpoints", {"url": "https://receiver.example/hooks"})
    event = client.get("/v1/events", params={"pageSize": 1}, headers=auth).json()[0]
    assert client.post(f"/v1/events/{event['id']}/replay", json={"webhookEndpointId": endpoint["id"]},
                       headers=auth).status_code == 202


def known_path_values(client, auth, tenant_id, path: str) -> dict[str, Any]:
    """Each path parameter of ``path`` bound to an existing row of the collection before it."""
    values: dict[str, Any] = {}
    for match in re.finditer(r"\{([^}]+)\}", path):
        name = match.group(1)
        if "tenant" in name.lower():
            values[name] = str(tenant_id)
            continue
        collection = path[: match.start()].rstrip("/")
        if "get" not in SPEC["paths"].get(collection, {}):
            continue
        try:
            url = collection.format(**values)
        except KeyError:
            continue
        paging = {"limit": 1} if url.startswith("/api/") else {"pageSize": 1}
        response = client.get(url, params=paging, headers=auth)
        if response.status_code == 200 and (found := _first_id(response.json())) is not None:
            values[name] = found
    return values


@dataclass
class World:
    """One seeded tenant per backend and module; each test runs in a savepoint rolled back after it."""

    database: RollbackDatabase
    app: Any
    client: TestClient
    auth: dict[str, str]
    tenant_id: uuid.UUID


@pytest.fixture(scope="module")
def world(engine) -> Iterator[World]:
    with rolled_back(engine) as database:
        app_settings = make_settings()
        app = create_app(app_settings, database=database)
        tenant_id = make_tenant(database)
        auth = bearer(app_settings, tenant_id, ttl=3600)
        client = TestClient(app, raise_server_exceptions=False)
        seed_world(client, auth)
        try:
            yield World(database, app, client, auth, tenant_id)
        finally:
            asgi.shutdown_lifespans()


@pytest.fixture
def fuzz(world: World) -> Iterator[World]:
    with savepoint(world.database):
        yield world


REQUEST_TIMEOUT_SECONDS = 60


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_answers_as_documented(method: str, path: str, fuzz: World, request) -> None:
    operation = SCHEMA[path][method]
    lookups: list[object] = []
    fuzz.client.event_hooks = {"request": [lookups.append], "response": []}
    known = known_path_values(fuzz.client, fuzz.auth, fuzz.tenant_id, path)
    auth = fuzz.auth
    sent = len(lookups)  # the ids looked up count too

    def run(mode: GenerationMode, examples: int) -> None:
        @settings(FUZZ, max_examples=examples)
        @given(case=operation.as_strategy(generation_mode=mode), use_known=st.booleans())
        def check(case, use_known: bool) -> None:
            nonlocal sent
            if use_known and mode.is_positive and case.path_parameters:
                case.path_parameters.update({name: value for name, value in known.items()
                                             if name in case.path_parameters})
            sent += 1
            # In-process ASGI: the timeout only guards against a hang, so it is generous enough that a
            # stall of the shared CI machine is not mistaken for one (10 s, the default, once was).
            response = case.call(session=session, headers=auth, timeout=REQUEST_TIMEOUT_SECONDS)
            case.validate_response(response, checks=CHECKS, headers=auth)
            if 400 <= response.status_code < 500 and method != "HEAD":
                problems = envelope_problems(path, response.status_code, response.json())
                assert not problems, f"{method} {case.formatted_path} -> {response.status_code}: {problems}"

        try:
            check()
        except Unsatisfiable:
            if mode.is_positive:
                raise

    try:
        with asgi.get_client(fuzz.app) as session:
            run(GenerationMode.POSITIVE, POSITIVE_EXAMPLES)
            run(GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)
    finally:
        request.node.user_properties.append(("requests_sent", sent))
