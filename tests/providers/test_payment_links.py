"""Payment links over HTTP: made for an invoice or a customer, paid on the sandbox's pay page, which posts
and allocates a payment through the provider's event."""

from __future__ import annotations

from tests.factories import create_contract_owner, create_customer
from tests.providers.helpers import create_provider, invoice, path_of, payments_of, post_invoice


def _link(client, auth, **body):
    response = client.post("/v1/payment-provider-payment-link", json=body, headers=auth)
    return response


def test_a_payment_link_paid_on_the_pay_page_posts_and_allocates_a_payment(client, auth):
    owner = create_contract_owner(client, auth)
    provider = create_provider(client, auth, owner["id"], type="STRIPE", name="Stripe")
    customer = create_customer(client, auth, contractOwnerId=owner["id"])
    posted = post_invoice(client, auth, customer["id"], total="40.00")
    response = _link(client, auth, paymentProviderId=provider["id"], amountInMajorCurrency="40.00",
                     description="Invoice", emailAddress="pay@example.com", invoiceId=posted["id"])
    assert response.status_code == 201, response.text
    link = response.json()
    assert link["paymentLinkURL"].startswith("http") and link["invoiceId"] == posted["id"]
    page = client.get(path_of(link["paymentLinkURL"]))
    assert page.status_code == 200 and 'id="pay"' in page.text
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "UNPAID"
    paid = client.post(path_of(link["paymentLinkURL"]), follow_redirects=True)
    assert paid.status_code == 200 and 'id="paid"' in paid.text
    assert invoice(client, auth, posted["id"])["paymentStatus"] == "PAID"
    [payment] = payments_of(client, auth, customer["id"])
    assert (payment["status"], payment["paymentMethod"]) == ("POSTED", "STRIPE")
    # A link is paid once.
    assert client.post(path_of(link["paymentLinkURL"])).status_code == 409


def test_a_link_for_a_customer_pays_towards_their_balance(client, auth):
    provider = create_provider(client, auth)
    customer = create_customer(client, auth)
    link = _link(client, auth, paymentProviderId=provider["id"], amountInMajorCurrency="5.00",
                 customerId=customer["id"]).json()
    client.post(path_of(link["paymentLinkURL"]))
    balance = client.get(f"/v1/customer-balances?customer_id={customer['id']}", headers=auth)
    assert balance.status_code == 200, balance.text
    assert balance.json()["balance"] == 5


def test_a_link_names_exactly_one_target_and_an_existing_provider(client, auth):
    provider = create_provider(client, auth)
    customer = create_customer(client, auth)
    posted = post_invoice(client, auth, customer["id"])
    both = _link(client, auth, paymentProviderId=provider["id"], amountInMajorCurrency="5.00",
                 customerId=customer["id"], invoiceId=posted["id"])
    none = _link(client, auth, paymentProviderId=provider["id"], amountInMajorCurrency="5.00")
    wrong_kind = _link(client, auth, paymentProviderId=provider["id"], amountInMajorCurrency="5.00",
                       adhocInvoiceId=posted["id"])
    no_provider = _link(client, auth, paymentProviderId=99999999, amountInMajorCurrency="5.00",
                        customerId=customer["id"])
    too_precise = _link(client, auth, paymentProviderId=provider["id"], amountInMajorCurrency="5.001",
                        customerId=customer["id"])
    for response, field in ((both, "invoiceId"), (none, "invoiceId"), (wrong_kind, "adhocInvoiceId"),
                            (no_provider, "paymentProviderId"), (too_precise, "amountInMajorCurrency")):
        assert response.status_code == 400, response.text
        assert field in response.text, response.text
    assert payments_of(client, auth, customer["id"]) == []
