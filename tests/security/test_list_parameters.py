"""SQL metacharacters and unicode in every filter, sort and fields parameter of every list.

The lists and their parameters come from the OpenAPI document, so a new list is covered as soon
as it exists. A hostile value is a literal: it matches nothing (200 with a count of 0) or is
refused as malformed (400 naming the parameter); sort and fields accept only known names, so
there it is always a 400. Nothing is ever written, and the tenant's rows are all still there.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.conftest import Deployment
from tests.spec import envelope_problems, filled_path, is_list, operations, parameters

LISTS = [(path, operation) for method, path, operation in operations() if is_list(method, operation)]
PAGING = {"page", "pageSize", "offset", "count", "limit"}
NAMES_ONLY = {"sort", "fields", "order_by"}

HOSTILE = [
    "' OR '1'='1",
    "1; DROP TABLE customers; --",
    "like:%' OR 1=1 --",
    "in:1,2) OR (1=1",
    "lt:2024-01-01' UNION SELECT password_hash FROM users --",
    '\\"%_\\',
    "名前 ünïcødé 🙂 \u202egnp.exe",
    "nul\x00byte",
]


def required_values(deployment: Deployment, operation: dict[str, Any]) -> dict[str, str]:
    """A value for each required query parameter, so the hostile one is what gets judged."""
    return {parameter["name"]: str(deployment.customer_id) for parameter in parameters(operation, "query")
            if parameter.get("required")}


def hostile_targets(operation: dict[str, Any]) -> list[str]:
    return [parameter["name"] for parameter in parameters(operation, "query") if parameter["name"] not in PAGING]


@pytest.mark.parametrize(("path", "operation"), LISTS, ids=[path for path, _ in LISTS])
def test_hostile_values_are_literals_or_400(deployment: Deployment, path: str, operation: dict[str, Any],
                                            record_property):
    url = filled_path(path, operation, {"tenantLocator": deployment.tenant_id})
    before = deployment.row_counts()
    sent = 0
    for name in hostile_targets(operation):
        for value in HOSTILE:
            params = {**required_values(deployment, operation), name: value}
            response = deployment.client.get(url, params=params, headers=deployment.auth)
            sent += 1
            label = f"GET {path}?{name}={value!r}"
            if response.status_code == 200 and name not in NAMES_ONLY:
                assert response.headers.get("X-Total-Count", "0") == "0", f"{label} matched rows: {response.text}"
                continue
            assert response.status_code == 400, f"{label}: {response.status_code} {response.text[:300]}"
            assert envelope_problems(path, 400, response.json()) == [], label
            if path.startswith("/v1/"):
                assert name in [error["field"] for error in response.json()["errors"]], f"{label}: {response.text}"
    assert deployment.row_counts() == before
    customers = deployment.client.get("/v1/customers", params={"sort": "name"}, headers=deployment.auth)
    assert [row["name"] for row in customers.json()] == ["Acme Ltd", "Zeta plc"]
    record_property("requests_sent", sent + 1)
