"""Seed 004's nine methods with their documented parameters, the payment objects and the life cycle."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.crm.conftest import (
    amount, create, create_bill, create_customer, create_invoice, data, error, get, post, show,
)

USER_FIELDS = {**{f"udf_string_{n}": f"s{n}" for n in range(1, 9)},
               **{f"udf_float_{n}": f"{n}.25" for n in range(1, 5)},
               **{f"udf_date_{n}": f"2024-0{n}-01" for n in range(1, 5)}}
TODAY = dt.datetime.now(dt.timezone.utc).date().isoformat()


def customer_query(world) -> dict:
    return {"accounts_receivable_identifier": f"number={world.customer['number']}"}


# --- create -------------------------------------------------------------------------------------------

def test_create_posted_answers_the_short_object_and_allocates(client, world):
    response = post(client, "payments/create", world.auth, **world.create_body())
    payment = data(response)
    assert set(payment) == {"id", "number", "reference_number", "life_cycle_state", "issued_on", "posted_on",
                            "payment_amount", "processed_by_payment_gateway", "payment_gateway_reference_number",
                            "currency_rate_period"}
    assert '"payment_amount":40.00' in response.text
    assert (payment["life_cycle_state"], payment["issued_on"], payment["posted_on"]) == ("POSTED", TODAY, TODAY)
    assert payment["currency_rate_period"]["rate"] == 1 and payment["currency_rate_period"]["currency"]["code"] == "GBP"
    invoice = client.get(f"/v1/invoices/{world.invoice['id']}", headers=world.auth).json()
    assert amount(invoice["outstandingInMajorCurrency"]) == amount("60.00")


def test_create_draft_defaults_received_on_and_received_by_user(client, world):
    payment = create(client, world, life_cycle_state="DRAFT")
    full = show(client, world.auth, payment)
    assert (full["life_cycle_state"], full["posted_on"], full["received_on"]) == ("DRAFT", None, TODAY)
    assert full["received_by_user"]["username"] == "tester"
    assert full["log_information"]["created_by_user"]["username"] == "tester"


def test_create_takes_every_documented_optional_parameter(client, world, database):
    from ledgerline.tenants.service import create_user
    with database.independent_transaction() as session:
        user = create_user(session, tenant_id=world_tenant(client, world), username="clerk", password="pw")
        user_id = user.id
    category = client.post("/v1/financial-transaction-categories", json={"name": "Retail", "code": "RETAIL"},
                           headers=world.auth).json()
    payment = create(client, world, life_cycle_state="DRAFT", category_identifier={"code": "RETAIL"},
                     received_on="2024-06-01", received_by_user={"id": user_id}, notes="At the counter",
                     **USER_FIELDS)
    full = show(client, world.auth, payment)
    assert full["category"]["id"] == category["id"] and full["received_on"] == "2024-06-01"
    assert full["received_by_user"] == {"id": user_id, "username": "clerk", "person_name": None, "email": None}
    assert full["notes"] == "At the counter"
    assert {name: str(full[name]) for name in USER_FIELDS} == USER_FIELDS
    by_username = create(client, world, received_by_user={"username": "clerk"})
    assert show(client, world.auth, by_username)["received_by_user"]["id"] == user_id


def world_tenant(client, world):
    import uuid
    from jose import jwt
    return uuid.UUID(jwt.get_unverified_claims(world.auth["Authorization"][7:])["tenant"])


def test_create_pays_the_intended_invoices_first_then_the_bills_invoices(client, world):
    older = world.invoice  # 2024-05-01, 100.00
    newer = create_invoice(client, world.auth, world.customer["id"], status="POSTED", issueDate="2024-06-01",
                           dueDate="2024-06-30", totalInMajorCurrency="30.00")
    bill = create_bill(client, world.auth, world.customer["id"], billNumberCheckDigit=3)
    billed = create_invoice(client, world.auth, world.customer["id"], status="POSTED", billId=bill["id"],
                            issueDate="2024-07-01", dueDate="2024-07-31", totalInMajorCurrency="20.00")
    payment = create(client, world, payment_amount="60.00",
                     invoices_to_pay_set=[{"invoice_identifier": {"number": newer["number"]}}],
                     bills_to_pay_set=[{"bill_identifier": {"id": bill["id"]}, "bill_number_check_digit": 3}])
    full = show(client, world.auth, payment)
    paid = {each["number"]: amount(each["amount_paid"]) for each in full["invoices_to_pay_set"]}
    assert paid == {newer["number"]: amount("30.00"), billed["number"]: amount("20.00"),
                    older["number"]: amount("10.00")}
    assert [each["number"] for each in full["invoices_to_pay_set"]][0] == newer["number"]
    assert full["bills_to_pay_set"][0]["id"] == bill["id"] and full["bills_to_pay_set"][0]["bill_status"] == "SETTLED"
    assert full["bills_paid"] == [{"id": bill["id"], "number": bill["number"]}]


def test_create_refuses_wrong_or_missing_check_digits_of_an_intended_bill(client, world):
    bill = create_bill(client, world.auth, world.customer["id"], billNumberCheckDigit=3, billAmountCheckDigit=8)
    for digits, wrong in (({"bill_number_check_digit": 3}, "bill_amount_check_digit"),
                          ({"bill_number_check_digit": 4, "bill_amount_check_digit": 8}, "bill_number_check_digit")):
        status = error(post(client, "payments/create", world.auth, **world.create_body(
            bills_to_pay_set=[{"bill_identifier": {"id": bill["id"]}, **digits}])), 400, "VALIDATION_ERROR")
        assert f"bills_to_pay_set[0].{wrong}" in status["description"]


def test_create_refuses_a_type_of_another_classification(client, world):
    status = error(post(client, "payments/create", world.auth, **world.create_body(
        type_identifier={"alternative_code": "PAYMENT_CANCELLATION"})), 400, "INVALID_IDENTIFIER")
    assert "type_identifier" in status["description"]


def test_create_requires_its_mandatory_parameters(client, world):
    for name in ("accounts_receivable_identifier", "type_identifier", "life_cycle_state", "payment_method_identifier",
                 "payment_amount"):
        body = world.create_body()
        del body[name]
        response = post(client, "payments/create", world.auth, **body)
        assert response.status_code == 400 and name in response.json()["status"]["description"], name


def test_an_invoice_of_another_accounts_receivable_is_refused(client, world):
    other = create_customer(client, world.auth, name="Other")
    theirs = create_invoice(client, world.auth, other["id"], status="POSTED")
    status = error(post(client, "payments/create", world.auth, **world.create_body(
        invoices_to_pay_set=[{"invoice_identifier": {"id": theirs["id"]}}])), 400, "VALIDATION_ERROR")
    assert "invoices_to_pay_set[0]" in status["description"]
    status = error(post(client, "payments/pay_invoice", world.auth, **pay_body(world, theirs)), 400,
                   "INVALID_IDENTIFIER")
    assert "invoice_identifier" in status["description"]


# --- pay_invoice and pay_bill ---------------------------------------------------------------------------

def pay_body(world, invoice: dict, **overrides) -> dict:
    body = world.create_body(invoice_identifier={"number": invoice["number"]})
    del body["life_cycle_state"], body["payment_amount"]
    return {**body, **overrides}


def test_pay_invoice_pays_the_whole_outstanding_amount_posted(client, world):
    payment = data(post(client, "payments/pay_invoice", world.auth, **pay_body(world, world.invoice, notes="n",
                                                                               **USER_FIELDS)))
    assert payment["life_cycle_state"] == "POSTED" and amount(payment["payment_amount"]) == amount("100.00")
    full = show(client, world.auth, payment)
    assert full["invoices_to_pay_set"][0]["outstanding_amount"] == 0 and full["notes"] == "n"
    assert full["udf_string_8"] == "s8"
    status = error(post(client, "payments/pay_invoice", world.auth, **pay_body(world, world.invoice)), 409,
                   "INVALID_STATE")
    assert "nothing" in status["message"]


def test_pay_invoice_takes_no_amount(client, world):
    error(post(client, "payments/pay_invoice", world.auth, **pay_body(world, world.invoice, payment_amount=1)), 400,
          "VALIDATION_ERROR")


def bill_body(world, bill: dict, **digits) -> dict:
    body = world.create_body(bill_identifier={"number": bill["number"]}, **digits)
    del body["life_cycle_state"], body["payment_amount"]
    return body


@pytest.fixture
def bill(client, world) -> dict:
    bill = create_bill(client, world.auth, world.customer["id"], billNumberCheckDigit=1,
                       accountsReceivableCheckDigit=2, billAmountCheckDigit=3)
    for total in ("10.00", "5.00"):
        create_invoice(client, world.auth, world.customer["id"], status="POSTED", billId=bill["id"],
                       totalInMajorCurrency=total)
    return bill


RIGHT = {"bill_number_check_digit": 1, "accounts_receivable_check_digit": 2, "bill_amount_check_digit": 3}


def test_pay_bill_with_the_right_check_digits_pays_it_whole(client, world, bill):
    payment = data(post(client, "payments/pay_bill", world.auth, **bill_body(world, bill, **RIGHT)))
    assert payment["life_cycle_state"] == "POSTED" and amount(payment["payment_amount"]) == amount("15.00")
    full = show(client, world.auth, payment)
    assert full["bills_to_pay_set"][0]["bill_status"] == "SETTLED"
    assert full["bills_paid"] == [{"id": bill["id"], "number": bill["number"]}]
    error(post(client, "payments/pay_bill", world.auth, **bill_body(world, bill, **RIGHT)), 409, "INVALID_STATE")


@pytest.mark.parametrize("wrong", list(RIGHT))
def test_pay_bill_with_a_wrong_check_digit_is_refused(client, world, bill, wrong):
    status = error(post(client, "payments/pay_bill", world.auth, **bill_body(world, bill, **{**RIGHT, wrong: 9})),
                   400, "VALIDATION_ERROR")
    assert wrong in status["description"] and "match" in status["description"]


@pytest.mark.parametrize("missing", list(RIGHT))
def test_pay_bill_without_a_check_digit_the_bill_has_is_refused(client, world, bill, missing):
    digits = {name: value for name, value in RIGHT.items() if name != missing}
    status = error(post(client, "payments/pay_bill", world.auth, **bill_body(world, bill, **digits)), 400,
                   "VALIDATION_ERROR")
    assert missing in status["description"] and "mandatory" in status["description"]


def test_pay_bill_of_a_bill_without_check_digits_needs_none(client, world):
    bill = create_bill(client, world.auth, world.customer["id"])
    create_invoice(client, world.auth, world.customer["id"], status="POSTED", billId=bill["id"])
    assert data(post(client, "payments/pay_bill", world.auth, **bill_body(world, bill)))["life_cycle_state"] == "POSTED"


def test_pay_bill_of_another_accounts_receivable_is_refused(client, world):
    other = create_customer(client, world.auth, name="Other")
    theirs = create_bill(client, world.auth, other["id"])
    status = error(post(client, "payments/pay_bill", world.auth, **bill_body(world, theirs)), 400,
                   "INVALID_IDENTIFIER")
    assert "bill_identifier" in status["description"]


# --- the life cycle -------------------------------------------------------------------------------------

def test_post_a_draft(client, world):
    draft = create(client, world, life_cycle_state="DRAFT")
    posted = data(post(client, "payments/post", world.auth, payment_identifier={"number": draft["number"]}))
    assert (posted["id"], posted["life_cycle_state"], posted["posted_on"]) == (draft["id"], "POSTED", TODAY)
    status = error(post(client, "payments/post", world.auth, payment_identifier={"id": draft["id"]}), 409,
                   "INVALID_STATE")
    assert "POSTED" in status["message"]


def test_reject_a_draft_with_a_reason(client, world):
    draft = create(client, world, life_cycle_state="DRAFT")
    rejected = data(post(client, "payments/reject", world.auth, payment_identifier={"id": draft["id"]},
                         rejection_reason_identifier={"alternative_code": "INSUFFICIENT_FUNDS"}))
    assert rejected["life_cycle_state"] == "REJECTED"
    reason = show(client, world.auth, draft)["rejection_reason"]
    assert reason["alternative_code"] == "INSUFFICIENT_FUNDS" and reason["id"] is not None
    for method, extra in (("post", {}), ("reject", {"rejection_reason_identifier": {"id": reason["id"]}}),
                          ("cancel", {"type_identifier": {"alternative_code": "PAYMENT_CANCELLATION"}})):
        status = error(post(client, f"payments/{method}", world.auth, payment_identifier={"id": draft["id"]}, **extra),
                       409, "INVALID_STATE")
        assert "REJECTED" in status["message"], method


def test_reject_needs_a_rejection_reason(client, world):
    draft = create(client, world, life_cycle_state="DRAFT")
    status = error(post(client, "payments/reject", world.auth, payment_identifier={"id": draft["id"]}), 400,
                   "INVALID_IDENTIFIER")
    assert "rejection_reason_identifier" in status["description"]
    error(post(client, "payments/reject", world.auth, payment_identifier={"id": draft["id"]},
               rejection_reason_identifier={"name": "No such reason"}), 400, "INVALID_IDENTIFIER")


def test_a_posted_payment_cannot_be_rejected(client, world):
    payment = create(client, world)
    reason = {"alternative_code": "INSUFFICIENT_FUNDS"}
    status = error(post(client, "payments/reject", world.auth, payment_identifier={"id": payment["id"]},
                        rejection_reason_identifier=reason), 409, "INVALID_STATE")
    assert "POSTED" in status["message"]


def test_cancel_a_posted_payment_creates_a_posted_cancellation_and_deallocates(client, world):
    payment = create(client, world)
    answer = data(post(client, "payments/cancel", world.auth, payment_identifier={"id": payment["id"]},
                       type_identifier={"alternative_code": "PAYMENT_CANCELLATION"}, notes="n",
                       issue_reason="Customer dispute"))
    assert answer["payment"]["life_cycle_state"] == "CANCELLED"
    cancellation = answer["payment_cancellation"]
    assert cancellation["number"].startswith("PCN-") and cancellation["life_cycle_state"] == "POSTED"
    assert (cancellation["issued_on"], cancellation["posted_on"]) == (TODAY, TODAY)
    assert amount(cancellation["payment_amount"]) == amount("40.00")
    full = show(client, world.auth, payment)
    assert full["payment_cancellation"] == cancellation
    assert [amount(each["amount_paid"]) for each in full["invoices_to_pay_set"]] == []
    invoice = client.get(f"/v1/invoices/{world.invoice['id']}", headers=world.auth).json()
    assert amount(invoice["outstandingInMajorCurrency"]) == amount("100.00")
    for method, extra in (("cancel", {"type_identifier": {"alternative_code": "PAYMENT_CANCELLATION"}}),
                          ("post", {})):
        error(post(client, f"payments/{method}", world.auth, payment_identifier={"id": payment["id"]}, **extra),
              409, "INVALID_STATE")


def test_a_draft_cannot_be_cancelled(client, world):
    draft = create(client, world, life_cycle_state="DRAFT")
    status = error(post(client, "payments/cancel", world.auth, payment_identifier={"id": draft["id"]},
                        type_identifier={"alternative_code": "PAYMENT_CANCELLATION"}), 409, "INVALID_STATE")
    assert "DRAFT" in status["message"]


def test_cancel_needs_a_payment_cancellation_type(client, world):
    payment = create(client, world)
    error(post(client, "payments/cancel", world.auth, payment_identifier={"id": payment["id"]}), 400,
          "INVALID_IDENTIFIER")
    status = error(post(client, "payments/cancel", world.auth, payment_identifier={"id": payment["id"]},
                        type_identifier={"alternative_code": "PAYMENT"}), 400, "INVALID_IDENTIFIER")
    assert "type_identifier" in status["description"]


# --- show, list, get_latest -----------------------------------------------------------------------------

def test_show_renders_every_nested_object_the_ledger_knows(client, world):
    payment = create(client, world, invoices_to_pay_set=[{"invoice_identifier": {"id": world.invoice["id"]}}])
    full = show(client, world.auth, payment)
    assert full["accounts_receivable"] == {"id": world.customer["id"], "number": world.customer["number"],
                                           "name": "Acme Ltd", "life_cycle_state": "ACTIVE", "account_owner": None}
    assert full["type"]["classification"] == "PAYMENT" and full["payment_method"]["alternative_code"] == "CHEQUE"
    invoice = full["invoices_to_pay_set"][0]
    assert (invoice["number"], invoice["life_cycle_state"], invoice["issued_on"], invoice["due_on"]) == (
        world.invoice["number"], "POSTED", "2024-05-01", "2024-05-31")
    assert [amount(invoice[name]) for name in ("total_amount", "outstanding_amount", "unsettled_amount",
                                                "amount_paid")] == [100, 60, 60, 40]
    for name in ("voucher", "card", "payment_preference", "accounting_period_information", "received_by_unit",
                 "received_by_business_unit", "rejection_reason", "payment_cancellation"):
        assert full[name] is None, name
    assert full["products_to_pay_set"] == [] and full["bills_to_pay_set"] == [] and full["bills_paid"] == []
    assert full["log_information"]["created_date"].startswith(TODAY)


def test_fields_set_selects_top_level_fields_and_refuses_unknown_ones(client, world):
    payment = create(client, world)
    assert show(client, world.auth, payment, fields_set="id, number,payment_amount") == {
        "id": payment["id"], "number": payment["number"], "payment_amount": 40.0}
    listed = data(get(client, "payments/list", world.auth, fields_set="number", **customer_query(world)))
    assert listed == [{"number": payment["number"]}]
    latest = data(get(client, "payments/get_latest", world.auth, number=1, fields_set="life_cycle_state",
                      **customer_query(world)))
    assert latest == [{"life_cycle_state": "POSTED"}]
    for method, params in (("show", {"payment_identifier": f"id={payment['id']}"}), ("list", customer_query(world)),
                           ("get_latest", {**customer_query(world), "number": 1})):
        status = error(get(client, f"payments/{method}", world.auth, fields_set="id,colour", **params), 400,
                       "VALIDATION_ERROR")
        assert "colour" in status["message"]


def test_list_filters_by_type_category_and_method_newest_first(client, world):
    card = client.post("/v1/financial-transaction-types", json={
        "name": "Card payment", "alternativeCode": "CARD", "classification": "PAYMENT"}, headers=world.auth).json()
    client.post("/v1/financial-transaction-categories", json={"name": "Retail", "code": "RETAIL"}, headers=world.auth)
    first = create(client, world, payment_amount="1.00")
    second = create(client, world, payment_amount="2.00", type_identifier={"id": card["id"]},
                    category_identifier={"code": "RETAIL"}, payment_method_identifier={"alternative_code": "BACS"})
    other = create_customer(client, world.auth, name="Other")
    create(client, world, accounts_receivable_identifier={"id": other["id"]})

    def numbers(**params):
        return [each["number"] for each in data(get(client, "payments/list", world.auth, **customer_query(world),
                                                    **params))]

    assert numbers() == [second["number"], first["number"]]
    assert numbers(type_identifier="alternative_code=CARD") == [second["number"]]
    assert numbers(type_identifier="alternative_code=PAYMENT") == [first["number"]]
    assert numbers(category_identifier="code=RETAIL") == [second["number"]]
    assert numbers(payment_method_identifier="alternative_code=CHEQUE") == [first["number"]]
    error(get(client, "payments/list", world.auth), 400, "INVALID_IDENTIFIER")


def test_get_latest_answers_the_number_newest_payments(client, world):
    made = [create(client, world, payment_amount=f"{n}.00")["number"] for n in (1, 2, 3)]
    latest = data(get(client, "payments/get_latest", world.auth, number=2, **customer_query(world)))
    assert [each["number"] for each in latest] == [made[2], made[1]]
    assert len(data(get(client, "payments/get_latest", world.auth, number=100, **customer_query(world)))) == 3
    for count in (0, 101, "two"):
        status = error(get(client, "payments/get_latest", world.auth, number=count, **customer_query(world)), 400,
                       "VALIDATION_ERROR")
        assert "number" in status["message"]


def test_pending_verification_renders_everywhere(client, world):
    from ledgerline.models.enums import PaymentStatus
    payment = create(client, world, life_cycle_state="DRAFT")
    assert "PENDING_VERIFICATION" in [each.value for each in PaymentStatus]
    assert show(client, world.auth, payment)["life_cycle_state"] == "DRAFT"
