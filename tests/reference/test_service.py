"""Reference data: the defaults a tenant starts with, the checks payments make against the entries, unique
names and codes, and shortfall tolerances. On every backend of tests/conftest.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledgerline.errors import Conflict, InvalidRequest, NotFound
from ledgerline.kit.listing import ListQuery
from ledgerline.models import FinancialTransactionCategory, FinancialTransactionType, RejectionReason
from ledgerline.models.enums import PaymentMethod, TransactionClassification
from ledgerline.reference import defaults, repository
from ledgerline.reference import service as reference
from tests.conftest import make_tenant

PAYMENT = TransactionClassification.PAYMENT


def new_type(session, tenant_id, name: str, code: str,
             classification: TransactionClassification = PAYMENT) -> FinancialTransactionType:
    return reference.create_entry(session, FinancialTransactionType, tenant_id=tenant_id, name=name,
                                  alternative_code=code, classification=classification)


def deactivate(session, entry) -> None:
    reference.update_entry(session, entry, {"active": False})


def refusal(call, *args, **kwargs) -> tuple[str, str]:
    """The one field an InvalidRequest names, and its message."""
    with pytest.raises(InvalidRequest) as refused:
        call(*args, **kwargs)
    [error] = refused.value.errors
    return error.field, error.message


# --- what a new tenant starts with -----------------------------------------------------------------

@pytest.mark.parametrize("classification", list(TransactionClassification))
def test_a_new_tenant_has_a_default_type_for_every_classification(session, tenant_id, classification):
    chosen = reference.transaction_type(session, tenant_id=tenant_id, type_id=None, classification=classification)
    assert (chosen.tenant_id, chosen.classification, chosen.alternative_code) == (
        tenant_id, classification, classification.value)
    assert chosen.active


def test_a_new_tenant_has_an_enabled_setting_for_every_payment_method(session, tenant_id):
    for method in PaymentMethod:
        setting = repository.payment_method_setting(session, tenant_id, method)
        assert setting is not None and setting.active, method
        assert setting.name == defaults.payment_method_name(method)
        reference.check_method_enabled(session, tenant_id=tenant_id, method=method, field="paymentMethod")


def test_a_new_tenant_has_the_default_categories_and_rejection_reasons(session, tenant_id):
    entries = [(FinancialTransactionCategory, defaults.TRANSACTION_CATEGORIES),
               (RejectionReason, defaults.REJECTION_REASONS)]
    for model, expected in entries:
        page = repository.page_of(session, model, tenant_id, ListQuery(sort=[("id", False)]))
        assert [entry.name for entry in page.items] == [name for name, *_ in expected]


# --- financial transaction types -------------------------------------------------------------------

def test_the_default_type_is_the_one_coded_as_its_classification_while_it_is_active(session, tenant_id):
    card = new_type(session, tenant_id, "Card payment", "CARD")
    default = reference.transaction_type(session, tenant_id=tenant_id, type_id=None, classification=PAYMENT)
    assert default.alternative_code == "PAYMENT"
    deactivate(session, default)
    assert reference.transaction_type(session, tenant_id=tenant_id, type_id=None, classification=PAYMENT) is card
    deactivate(session, card)
    field, message = refusal(reference.transaction_type, session, tenant_id=tenant_id, type_id=None,
                             classification=PAYMENT, field="cancellationTypeId")
    assert field == "cancellationTypeId"
    assert message == "no active financial transaction type is classified PAYMENT; name one"


def test_a_named_type_must_exist_in_the_tenant(session, tenant_id, database):
    foreign = new_type(session, make_tenant(database), "Foreign payment", "FOREIGN")
    for type_id in (foreign.id, 2**62):
        field, message = refusal(reference.transaction_type, session, tenant_id=tenant_id, type_id=type_id,
                                 classification=PAYMENT)
        assert (field, message) == ("typeId", f"financial transaction type {type_id} does not exist")


def test_a_named_type_must_be_active_and_of_the_classification(session, tenant_id):
    refund = reference.transaction_type(session, tenant_id=tenant_id, type_id=None,
                                        classification=TransactionClassification.REFUND)
    field, message = refusal(reference.transaction_type, session, tenant_id=tenant_id, type_id=refund.id,
                             classification=PAYMENT)
    assert (field, message) == ("typeId", f"type {refund.id} is classified REFUND, not PAYMENT")
    card = new_type(session, tenant_id, "Card payment", "CARD")
    assert reference.transaction_type(session, tenant_id=tenant_id, type_id=card.id, classification=PAYMENT) is card
    deactivate(session, card)
    assert refusal(reference.transaction_type, session, tenant_id=tenant_id, type_id=card.id,
                   classification=PAYMENT) == ("typeId", "'Card payment' is deactivated")


# --- categories, rejection reasons, payment methods --------------------------------------------------

def test_no_category_is_none_and_a_named_one_must_be_usable(session, tenant_id):
    assert reference.category(session, tenant_id=tenant_id, category_id=None) is None
    assert refusal(reference.category, session, tenant_id=tenant_id, category_id=2**62) == (
        "categoryId", f"financial transaction category {2**62} does not exist")
    general = repository.page_of(session, FinancialTransactionCategory, tenant_id, ListQuery()).items[0]
    assert reference.category(session, tenant_id=tenant_id, category_id=general.id) is general
    deactivate(session, general)
    assert refusal(reference.category, session, tenant_id=tenant_id, category_id=general.id) == (
        "categoryId", "'General' is deactivated")


def test_a_deactivated_rejection_reason_is_refused(session, tenant_id):
    reason = reference.create_entry(session, RejectionReason, tenant_id=tenant_id, name="Stopped cheque",
                                    alternative_code="STOPPED")
    assert reference.rejection_reason(session, tenant_id=tenant_id, reason_id=reason.id) is reason
    deactivate(session, reason)
    assert refusal(reference.rejection_reason, session, tenant_id=tenant_id, reason_id=reason.id) == (
        "rejectionReasonId", "'Stopped cheque' is deactivated")


def test_a_deactivated_payment_method_is_refused_naming_the_callers_field(session, tenant_id):
    deactivate(session, repository.payment_method_setting(session, tenant_id, PaymentMethod.PAYPAL))
    assert refusal(reference.check_method_enabled, session, tenant_id=tenant_id, method=PaymentMethod.PAYPAL,
                   field="tenders[1].method") == (
        "tenders[1].method", "payment method PAYPAL is deactivated in this tenant")
    reference.check_method_enabled(session, tenant_id=tenant_id, method=PaymentMethod.BACS, field="paymentMethod")


# --- names and codes are unique in the tenant -------------------------------------------------------

def test_a_name_or_code_taken_in_the_tenant_is_a_conflict_naming_the_holder(session, tenant_id):
    card = new_type(session, tenant_id, "Card payment", "CARD")
    with pytest.raises(Conflict, match=f"^name 'Card payment' is used by entry {card.id}$"):
        new_type(session, tenant_id, "Card payment", "CARD2")
    with pytest.raises(Conflict, match=f"^alternative code 'CARD' is used by entry {card.id}$"):
        new_type(session, tenant_id, "Card payment 2", "CARD")


def test_another_tenant_may_use_the_same_name(session, tenant_id, database):
    new_type(session, tenant_id, "Card payment", "CARD")
    other = new_type(session, make_tenant(database), "Card payment", "CARD")
    assert other.tenant_id != tenant_id


def test_an_update_conflicts_only_with_other_entries(session, tenant_id):
    card = new_type(session, tenant_id, "Card payment", "CARD")
    wire = new_type(session, tenant_id, "Wire payment", "WIRE")
    reference.update_entry(session, card, {"name": "Card payment", "description": "By card"})
    assert card.description == "By card"
    with pytest.raises(Conflict, match=f"is used by entry {wire.id}"):
        reference.update_entry(session, card, {"name": "Wire payment"})
    assert reference.update_entry(session, card, {"name": "Debit card payment"}).name == "Debit card payment"


def test_an_unknown_entry_is_not_found_by_its_kind(session, tenant_id):
    with pytest.raises(NotFound, match=f"^Rejection reason {2**62} not found$"):
        reference.get_entry(session, RejectionReason, tenant_id=tenant_id, entry_id=2**62)


# --- shortfall tolerances ----------------------------------------------------------------------------

def test_without_any_tolerance_there_is_none(session, tenant_id):
    assert reference.tolerance_minor(session, tenant_id=tenant_id, currency="GBP", server_defaults={}) == 0


@pytest.mark.parametrize(("currency", "default", "expected"), [
    ("GBP", Decimal("1.00"), 100),
    ("GBP", Decimal("1.005"), 100),  # half-even to the penny: down
    ("GBP", Decimal("1.015"), 102),  # half-even to the penny: up
    ("JPY", Decimal("2.5"), 2),
    ("KWD", Decimal("0.0015"), 2),
])
def test_the_server_default_is_rounded_to_the_currency(session, tenant_id, currency, default, expected):
    assert reference.tolerance_minor(session, tenant_id=tenant_id, currency=currency,
                                     server_defaults={currency: default}) == expected


def test_the_tenants_tolerance_overrides_the_server_default_even_at_zero(session, tenant_id):
    reference.set_tolerance(session, tenant_id=tenant_id, currency="GBP", amount_minor=0)
    server = {"GBP": Decimal("1.00"), "EUR": Decimal("0.50")}
    assert reference.tolerance_minor(session, tenant_id=tenant_id, currency="GBP", server_defaults=server) == 0
    assert reference.tolerance_minor(session, tenant_id=tenant_id, currency="EUR", server_defaults=server) == 50


def test_setting_a_tolerance_again_changes_the_one_row(session, tenant_id):
    reference.set_tolerance(session, tenant_id=tenant_id, currency="USD", amount_minor=25)
    reference.set_tolerance(session, tenant_id=tenant_id, currency="EUR", amount_minor=10)
    reference.set_tolerance(session, tenant_id=tenant_id, currency="USD", amount_minor=75)
    assert [(t.currency, t.amount_minor) for t in reference.tolerances(session, tenant_id=tenant_id)] == [
        ("EUR", 10), ("USD", 75)]


def test_a_negative_tolerance_is_refused(session, tenant_id):
    assert refusal(reference.set_tolerance, session, tenant_id=tenant_id, currency="GBP", amount_minor=-1) == (
        "amountInMajorCurrency", "must not be negative")
    assert reference.tolerances(session, tenant_id=tenant_id) == []


def test_a_deleted_tolerance_falls_back_to_the_server_default(session, tenant_id):
    reference.set_tolerance(session, tenant_id=tenant_id, currency="GBP", amount_minor=300)
    reference.delete_tolerance(session, tenant_id=tenant_id, currency="GBP")
    assert reference.tolerance_minor(session, tenant_id=tenant_id, currency="GBP",
                                     server_defaults={"GBP": Decimal("1.00")}) == 100
    with pytest.raises(NotFound, match="^Shortfall tolerance GBP not found$"):
        reference.delete_tolerance(session, tenant_id=tenant_id, currency="GBP")


def test_a_tolerance_belongs_to_its_tenant(session, tenant_id, database):
    other = make_tenant(database)
    reference.set_tolerance(session, tenant_id=other, currency="GBP", amount_minor=500)
    assert reference.tolerance_minor(session, tenant_id=tenant_id, currency="GBP", server_defaults={}) == 0
    assert reference.tolerances(session, tenant_id=tenant_id) == []
