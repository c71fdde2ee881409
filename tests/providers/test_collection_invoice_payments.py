"""A collection is an invoice payment row (issue 14): its own id, the provider's status, following the
collection's events; only the money the provider collected settles the invoice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.providers.helpers import (
    deliver, event, invoice, mandated_customer, payments_of, post_invoice, settle,
)


def _rows(client, auth, invoice_id: int, path: str = "/v1/invoice-payments", key: str = "generatedInvoiceId"):
    response = client.get(path, headers=auth, params={key: invoice_id, "sort": "id"})
    assert response.status_code == 200, response.text
    return response.json()


def _amount(row) -> Decimal:
    return Decimal(str(row["amountInMajorCurrency"]))


def test_a_submitted_collection_is_a_row_of_its_own_that_settles_nothing(client, auth):
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"], total="40.00")
    [payment] = payments_of(client, auth, setup["customer"]["id"])
    [row] = _rows(client, auth, posted["id"])
    assert (row["thirdPartyPaymentStatus"], row["settled"], row["customerPaymentStatus"]) == (
        "SUBMITTED", False, "PENDING_VERIFICATION")
    assert (row["customerPaymentId"], row["paymentMethod"], _amount(row)) == (payment["id"], "GO_CARDLESS",
                                                                               Decimal("40.00"))
    assert payment["referenceNumber"] in row["description"]
    assert client.get(f"/v1/invoice-payments/{row['id']}", headers=auth).json() == row
    # Nothing collected yet: the invoice owes all of it.
    assert invoice(client, auth, posted["id"])["outstandingInMajorCurrency"] == 40


def test_the_row_follows_the_collection_until_it_is_paid_out(client, auth):
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"], total="40.00")
    [submitted] = _rows(client, auth, posted["id"])
    settle(client, auth)
    [paid] = _rows(client, auth, posted["id"])
    assert paid["id"] == submitted["id"]
    assert (paid["thirdPartyPaymentStatus"], paid["settled"], paid["customerPaymentStatus"]) == (
        "PAID_OUT", True, "POSTED")
    assert invoice(client, auth, posted["id"])["outstandingInMajorCurrency"] == 0


def test_a_failed_collection_row_settles_nothing_and_reprocessing_adds_a_row(client, auth):
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"], total="30.13")  # the sandbox fails it
    settle(client, auth)
    [failed] = _rows(client, auth, posted["id"])
    assert (failed["thirdPartyPaymentStatus"], failed["settled"], failed["customerPaymentStatus"]) == (
        "FAILED", False, "REJECTED")
    assert failed["errorInfo"] == "the payment provider reported FAILED"
    assert invoice(client, auth, posted["id"])["outstandingInMajorCurrency"] == 30.13
    again = client.post("/v1/invoice-payment-reprocess", headers=auth,
                        json={"invoiceId": posted["id"], "billRunType": "NORMAL"})
    assert again.status_code == 200, again.text
    first, second = _rows(client, auth, posted["id"])
    assert first == failed
    assert (second["thirdPartyPaymentStatus"], second["settled"], _amount(second)) == ("SUBMITTED", False,
                                                                                      Decimal("30.13"))
    # The provider collects the second attempt after all (an event of its own): that row settles it.
    reference = [p for p in payments_of(client, auth, setup["customer"]["id"])
                 if p["id"] == second["customerPaymentId"]][0]["referenceNumber"]
    assert deliver(client, setup["provider"]["id"], [event(reference, "PAID_OUT")]).status_code == 200
    first, second = _rows(client, auth, posted["id"])
    assert (first["settled"], second["settled"], second["thirdPartyPaymentStatus"]) == (False, True, "PAID_OUT")
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "PAID"


def test_a_charged_back_collection_row_no_longer_counts(client, auth):
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"], total="10.66")  # paid out, then charged back
    settle(client, auth, seconds=1.5)
    [paid] = _rows(client, auth, posted["id"])
    assert (paid["thirdPartyPaymentStatus"], paid["settled"]) == ("PAID_OUT", True)
    settle(client, auth, seconds=10)
    [charged_back] = _rows(client, auth, posted["id"])
    assert (charged_back["thirdPartyPaymentStatus"], charged_back["settled"],
            charged_back["customerPaymentStatus"]) == ("CHARGED_BACK", False, "CANCELLED")
    assert invoice(client, auth, posted["id"])["outstandingInMajorCurrency"] == 10.66


def test_a_cancelled_collection_row_is_cancelled_when_the_provider_says_so(client, auth):
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"])
    body = {"invoiceId": posted["id"], "billRunType": "NORMAL"}
    assert client.post("/v1/invoice-payment-cancel", json=body, headers=auth).status_code == 202
    [accepted] = _rows(client, auth, posted["id"])
    assert accepted["thirdPartyPaymentStatus"] == "SUBMITTED"  # 202: asked, not done
    settle(client, auth, seconds=0)
    [cancelled] = _rows(client, auth, posted["id"])
    assert (cancelled["thirdPartyPaymentStatus"], cancelled["settled"], cancelled["customerPaymentStatus"]) == (
        "CANCELLED", False, "CANCELLED")


def test_an_adhoc_invoice_collection_is_on_the_adhoc_list_only(client, auth):
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"], billRunType="ADHOC")
    [row] = _rows(client, auth, posted["id"], "/v1/adhoc-invoice-payments", "generatedAdhocInvoiceId")
    assert (row["generatedAdhocInvoiceId"], row["thirdPartyPaymentStatus"]) == (posted["id"], "SUBMITTED")
    assert _rows(client, auth, posted["id"]) == []
    assert client.get(f"/v1/invoice-payments/{row['id']}", headers=auth).status_code == 404


def test_only_collected_rows_settle_what_an_invoice_owed(client, auth):
    setup = mandated_customer(client, auth, retryIfPossible=True)
    posted = post_invoice(client, auth, setup["customer"]["id"], total="20.13")  # fails, is retried, fails
    settle(client, auth)
    settle(client, auth, seconds=30)
    rows = _rows(client, auth, posted["id"])
    assert [r["thirdPartyPaymentStatus"] for r in rows] == ["FAILED", "FAILED"]
    settled = sum((_amount(r) for r in rows if r["settled"]), Decimal(0))
    shown = invoice(client, auth, posted["id"])
    assert Decimal(str(shown["totalInMajorCurrency"])) - settled == Decimal(str(shown["outstandingInMajorCurrency"]))
    assert settled == 0


@pytest.mark.parametrize(("action", "body", "payment_status"), [
    ("cancel", {"notes": "customer paid by cheque"}, "CANCELLED"),
    ("reject", {"reason": "mandate disputed"}, "REJECTED"),
])
def test_a_pending_collections_payment_cancelled_or_rejected_by_hand_closes_the_collection_and_its_row(
        client, auth, action, body, payment_status):
    """Done here, not by the provider: the collection and its row are CANCELLED with the payment, the invoice is
    no longer PENDING, what the provider says afterwards settles nothing, and the invoice can be collected again."""
    setup = mandated_customer(client, auth)
    posted = post_invoice(client, auth, setup["customer"]["id"])
    [payment] = payments_of(client, auth, setup["customer"]["id"])
    done = client.post(f"/v1/payments/{payment['id']}/{action}", json=body, headers=auth)
    assert done.status_code == 200, done.text
    [row] = _rows(client, auth, posted["id"])
    assert (row["thirdPartyPaymentStatus"], row["settled"], row["customerPaymentStatus"]) == (
        "CANCELLED", False, payment_status)
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "UNPAID"
    answered = deliver(client, setup["provider"]["id"], [event(payment["referenceNumber"], "PAID_OUT")])
    assert answered.status_code == 200 and answered.json()["outcomes"][0].startswith("ignored"), answered.text
    settle(client, auth)
    assert invoice(client, auth, posted["id"])["outstandingInMajorCurrency"] == 100
    [row] = _rows(client, auth, posted["id"])
    assert row["thirdPartyPaymentStatus"] == "CANCELLED"
    # It can be collected again.
    again = client.post("/v1/invoice-payment-reprocess", json={"invoiceId": posted["id"], "billRunType": "NORMAL"},
                        headers=auth)
    assert again.status_code == 200, again.text
