"""The README's SDK recipe: a Python client generated from /openapi.json by openapi-python-client works.

Against a live server (``ledgerline serve`` on a free loopback port, SQLite), the generated client creates
a customer, posts an invoice, pays it and reads the balance.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.live_server import cli, live_server

GENERATOR = shutil.which("openapi-python-client") or str(Path(sys.executable).with_name("openapi-python-client"))


@pytest.fixture
def sdk(tmp_path):
    """The server, the generated package (imported as ``ledgerline_sdk``) and a token for a new tenant."""
    with live_server(tmp_path) as (base_url, env):
        spec = tmp_path / "openapi.json"
        spec.write_bytes(httpx.get(f"{base_url}/openapi.json", timeout=30).content)
        done = subprocess.run([GENERATOR, "generate", "--path", str(spec), "--meta", "none",
                               "--output-path", str(tmp_path / "ledgerline_sdk")],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        tenant = cli(env, tmp_path, "tenant", "create", "SDK Test Ltd")
        token = cli(env, tmp_path, "token", "--tenant", tenant)
        sys.path.insert(0, str(tmp_path))
        try:
            yield importlib.import_module("ledgerline_sdk"), base_url, token
        finally:
            sys.path.remove(str(tmp_path))
            for name in [name for name in sys.modules if name.split(".")[0] == "ledgerline_sdk"]:
                del sys.modules[name]


def test_generated_python_client_creates_a_customer_posts_an_invoice_pays_it_and_reads_the_balance(sdk):
    package, base_url, token = sdk
    customers = importlib.import_module("ledgerline_sdk.api.customers.create_customer")
    invoices = importlib.import_module("ledgerline_sdk.api.invoices.create_invoice")
    pay = importlib.import_module("ledgerline_sdk.api.payments.pay_invoice")
    balances = importlib.import_module("ledgerline_sdk.api.customer_payments.get_customer_balance")
    models = importlib.import_module("ledgerline_sdk.models")

    client = package.AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)
    with client:
        created = customers.sync_detailed(client=client, body=models.CustomerCreate(name="Jane Doe", currency="GBP"))
        assert created.status_code == 201, created.content
        customer = created.parsed
        assert isinstance(customer, models.Customer) and customer.name == "Jane Doe"

        # Amounts go out as strings: exact decimals, never a float's approximation.
        posted = invoices.sync_detailed(client=client, body=models.InvoiceCreate(
            customer_id=customer.id, total_in_major_currency="60.10", status=models.InvoiceStatus.POSTED))
        assert posted.status_code == 201, posted.content
        invoice = posted.parsed
        assert invoice.status == models.InvoiceStatus.POSTED

        owing = balances.sync_detailed(client=client, customer_id=customer.id)
        assert json.loads(owing.content, parse_float=Decimal)["balance"] == Decimal("-60.10")

        paid = pay.sync_detailed(invoice.id, client=client,
                                 body=models.PayInvoice(payment_method=models.PaymentMethod.CREDIT_CARD))
        assert paid.status_code == 201, paid.content
        assert isinstance(paid.parsed, models.Payment)

        balance = balances.sync_detailed(client=client, customer_id=customer.id)
        assert balance.status_code == 200
        assert isinstance(balance.parsed, models.CustomerBalance) and balance.parsed.customer_id == customer.id
        exact = json.loads(balance.content, parse_float=Decimal)
        assert exact["balance"] == 0 and exact["totalPayments"] == Decimal("60.10")

        # An error comes back typed too: the /v1 envelope names the field.
        refused = invoices.sync_detailed(client=client, body=models.InvoiceCreate(
            customer_id=customer.id, total_in_major_currency="1.001", status=models.InvoiceStatus.POSTED))
        assert refused.status_code == 400 and isinstance(refused.parsed, models.ErrorBody)
        assert refused.parsed.errors[0].field == "totalInMajorCurrency"


def test_seed001_generated_client_names_path_parameters_as_the_seeds_do(sdk):
    """Issue 15: generated from /openapi.json, the SDK takes the seed's parameter names (snake_cased by the
    generator: contractOwnerSubBrandId is contract_owner_sub_brand_id), and lists expose their headers."""
    import inspect

    package, base_url, token = sdk
    get_one = importlib.import_module("ledgerline_sdk.api.contract_owner_sub_brands.get_contract_owner_sub_brand")
    delete_one = importlib.import_module(
        "ledgerline_sdk.api.contract_owner_sub_brands.delete_contract_owner_sub_brand")
    for module in (get_one, delete_one):
        assert "contract_owner_sub_brand_id" in inspect.signature(module.sync_detailed).parameters
    listing = importlib.import_module("ledgerline_sdk.api.contract_owner_sub_brands.list_contract_owner_sub_brands")
    assert {"page", "page_size", "sort", "fields", "name", "contract_owner_id"} \
        <= set(inspect.signature(listing.sync_detailed).parameters)
    credit_status = importlib.import_module(
        "ledgerline_sdk.api.customer_credit_status.list_customer_credit_status")
    assert {"customer_id", "percentage_difference"} <= set(inspect.signature(credit_status.sync_detailed).parameters)
    # On the wire the client sends the seed's own names (customerId, pageSize, excludeDebits, ...).
    customer_payments = importlib.import_module("ledgerline_sdk.api.customer_payments.list_customer_payments")
    assert {"customer_id", "exclude_debits", "exclude_credits", "customer_payment_type", "filter_"} \
        <= set(inspect.signature(customer_payments.sync_detailed).parameters)
    for module, names in ((credit_status, ("customerId", "percentageDifference", "pageSize")),
                          (listing, ("contractOwnerId", "pageSize")),
                          (customer_payments, ("customer_id", "excludeDebits", "excludeCredits",
                                               "customerPaymentType", "filter"))):
        source = inspect.getsource(module)
        for name in names:
            assert f'params["{name}"]' in source, (module.__name__, name)
    assert "txn_type" in inspect.signature(importlib.import_module("ledgerline_sdk.models").CustomerPayment).parameters

    client = package.AuthenticatedClient(base_url=base_url, token=token)
    with client:
        missing = get_one.sync_detailed(1, client=client)
        assert missing.status_code == 404
        page = listing.sync_detailed(client=client)
        assert page.status_code == 200 and page.headers["X-Total-Count"] == "0" and 'rel="first"' in page.headers["Link"]
