"""A payment link paid in a real headless Chromium against a live server, with a screenshot kept as a
test artifact (tests/artifacts/, not committed).

Debian's ``chromium`` and ``chromium-driver`` are installed by ``scripts/install_chromium.sh`` when
missing (as root, which CI and the dev machines are); where that cannot be done the test skips, saying why.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.live_server import cli, live_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"


def _chromium() -> tuple[str, str]:
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        done = subprocess.run(["bash", str(ROOT / "scripts" / "install_chromium.sh")], capture_output=True, text=True,
                              timeout=900)
        if done.returncode != 0:
            pytest.skip(f"headless Chromium unavailable: scripts/install_chromium.sh failed: {done.stderr[-500:]}")
    return shutil.which("chromium") or "", shutil.which("chromedriver") or ""


@pytest.fixture
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium (the test extra) is not installed")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    binary, driver = _chromium()
    options = Options()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=900,700"):
        options.add_argument(argument)
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    try:
        yield chrome
    finally:
        chrome.quit()


def test_a_payment_link_is_paid_in_headless_chromium(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    with live_server(tmp_path) as (base_url, env):
        tenant = cli(env, tmp_path, "tenant", "create", "Browser Test Ltd")
        auth = {"Authorization": f"Bearer {cli(env, tmp_path, 'token', '--tenant', tenant)}"}
        with httpx.Client(base_url=base_url, headers=auth, timeout=30) as api:
            owner = api.post("/v1/contract-owners", json={
                "name": "Acme", "availableFrom": "2024-01-01", "siBccEmailAddress": "bcc@example.com",
                "taxRegistrationNumber": "GB123456789",
                "address": {"address1": "1 High St", "town": "London", "postcode": "EC1A 1BB", "country": "GB"}}
            ).json()
            provider = api.post("/v1/payment-providers", json={
                "type": "STRIPE", "name": "Stripe (sandbox)", "contractOwnerIds": [owner["id"]]}).json()
            customer = api.post("/v1/customers", json={"name": "Jane Doe", "currency": "GBP"}).json()
            posted = api.post("/v1/invoices", json={
                "customerId": customer["id"], "issueDate": "2024-05-01", "totalInMajorCurrency": "42.50",
                "status": "POSTED"}).json()
            link = api.post("/v1/payment-provider-payment-link", json={
                "paymentProviderId": provider["id"], "amountInMajorCurrency": "42.50", "invoiceId": posted["id"],
                "description": f"Invoice {posted['number']}", "emailAddress": "jane@example.com"})
            assert link.status_code == 201, link.text
            url = link.json()["paymentLinkURL"]
            assert url.startswith(base_url), url

            browser.get(url)
            assert "Pay 42.50 GBP" in browser.title
            browser.find_element(By.ID, "pay").click()
            WebDriverWait(browser, 20).until(expected_conditions.presence_of_element_located((By.ID, "paid")))
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            screenshot = ARTIFACTS / "payment_link_paid.png"
            assert browser.save_screenshot(str(screenshot)) and screenshot.stat().st_size > 0
            assert browser.find_element(By.ID, "status").text == "PAID_OUT"

            paid = api.get(f"/v1/invoices/{posted['id']}").json()
            assert (paid["paymentStatus"], paid["outstandingInMajorCurrency"]) == ("PAID", 0)
