"""A client written as CRM.COM's integrations are: plain HTTP against a live server, the token from
``authentication/token`` passed as ``token=`` in the query (GET) and in the JSON body (POST), and
``status.code`` read before anything else. It runs a payment's whole life."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from tests.live_server import cli, live_server


class CrmError(Exception):
    def __init__(self, status: dict[str, Any], http_status: int) -> None:
        super().__init__(f"{status['code']}: {status['message']}")
        self.code, self.http_status = status["code"], http_status


class CrmClient:
    """What a PHP or C# integration does: one base URL, a token, GET with a query, POST with JSON."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=f"{base_url}/crmapi/rest/v2", timeout=30)
        self.token: str | None = None

    def _data(self, response: httpx.Response) -> Any:
        body = response.json()
        if body["status"]["code"] != "OK":
            raise CrmError(body["status"], response.status_code)
        return body["data"]

    def login(self, username: str, password: str, organisation: str) -> None:
        self.token = self._data(self.http.post("/authentication/token", json={
            "username": username, "password": password, "organisation": organisation}))["token"]

    def get(self, method: str, **params: Any) -> Any:
        return self._data(self.http.get(f"/{method}", params={"token": self.token, **params}))

    def post(self, method: str, **body: Any) -> Any:
        return self._data(self.http.post(f"/{method}", json={"token": self.token, **body}))


def test_a_vendor_style_client_runs_a_payments_whole_life(tmp_path):
    with live_server(tmp_path) as (base_url, env):
        tenant = cli(env, tmp_path, "tenant", "create", "Acme Billing")
        cli(env, tmp_path, "user", "create", "--tenant", tenant, "--username", "jane", "--password", "s3cret!")
        admin = {"Authorization": "Bearer " + cli(env, tmp_path, "token", "--tenant", tenant)}
        customer = httpx.post(f"{base_url}/v1/customers", json={"name": "Zed plc", "currency": "EUR"},
                              headers=admin).json()
        invoice = httpx.post(f"{base_url}/v1/invoices", json={
            "customerId": customer["id"], "issueDate": "2024-05-01", "dueDate": "2024-05-31",
            "totalInMajorCurrency": "80.00", "status": "POSTED"}, headers=admin).json()

        crm = CrmClient(base_url)
        try:
            crm.token = "not-a-token"
            try:
                crm.get("payments/list", accounts_receivable_identifier=f"id={customer['id']}")
                raise AssertionError("a bad token was accepted")
            except CrmError as refused:
                assert (refused.code, refused.http_status) == ("INVALID_TOKEN", 401)
            crm.login("jane", "s3cret!", "Acme Billing")

            common = {"accounts_receivable_identifier": {"number": customer["number"]},
                      "type_identifier": {"alternative_code": "PAYMENT"},
                      "payment_method_identifier": {"alternative_code": "BACS"}}
            draft = crm.post("payments/create", life_cycle_state="DRAFT", payment_amount=50, notes="by wire",
                             invoices_to_pay_set=[{"invoice_identifier": {"number": invoice["number"]}}], **common)
            assert draft["life_cycle_state"] == "DRAFT"
            shown = crm.get("payments/show", payment_identifier=f"number={draft['number']}")
            assert (shown["life_cycle_state"], shown["received_by_user"]["username"]) == ("DRAFT", "jane")

            posted = crm.post("payments/post", payment_identifier={"number": draft["number"]})
            assert posted["life_cycle_state"] == "POSTED"
            shown = crm.get("payments/show", payment_identifier=f"id={draft['id']}")
            assert Decimal(str(shown["invoices_to_pay_set"][0]["outstanding_amount"])) == Decimal("30.00")

            try:
                crm.post("payments/post", payment_identifier={"id": draft["id"]})
                raise AssertionError("a posted payment was posted again")
            except CrmError as refused:
                assert (refused.code, refused.http_status) == ("INVALID_STATE", 409)

            latest = crm.get("payments/get_latest", accounts_receivable_identifier=f"id={customer['id']}", number=1,
                             fields_set="number,life_cycle_state")
            assert latest == [{"number": draft["number"], "life_cycle_state": "POSTED"}]

            rest = crm.post("payments/pay_invoice", invoice_identifier={"id": invoice["id"]}, **common)
            assert Decimal(str(rest["payment_amount"])) == Decimal("30.00")

            cancelled = crm.post("payments/cancel", payment_identifier={"id": draft["id"]},
                                 type_identifier={"alternative_code": "PAYMENT_CANCELLATION"},
                                 issue_reason="sent twice")
            assert cancelled["payment"]["life_cycle_state"] == "CANCELLED"
            assert cancelled["payment_cancellation"]["life_cycle_state"] == "POSTED"
            listed = crm.get("payments/list", accounts_receivable_identifier=f"number={customer['number']}")
            assert [(each["number"], each["life_cycle_state"]) for each in listed] == [
                (rest["number"], "POSTED"), (draft["number"], "CANCELLED")]
            assert listed[1]["payment_cancellation"]["number"] == cancelled["payment_cancellation"]["number"]
            seen = httpx.get(f"{base_url}/v1/invoices/{invoice['id']}", headers=admin).json()
            assert Decimal(str(seen["outstandingInMajorCurrency"])) == Decimal("50.00")
        finally:
            crm.http.close()
