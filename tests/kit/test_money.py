"""Exact money: minor units per ISO 4217, half-even rounding, never a float."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledgerline.kit.money import (
    MAX_MINOR,
    Money,
    MoneyError,
    exponent,
    is_currency,
    quantum,
    round_major,
    to_major,
    to_minor,
)

D = Decimal


@pytest.mark.parametrize("currency, places", [("JPY", 0), ("KRW", 0), ("GBP", 2), ("USD", 2), ("EUR", 2),
                                               ("BHD", 3), ("KWD", 3), ("CLF", 4)])
def test_minor_unit_exponents_follow_iso_4217(currency, places):
    assert exponent(currency) == places
    assert quantum(currency) == D(1).scaleb(-places)
    assert is_currency(currency)


@pytest.mark.parametrize("code", ["XYZ", "gbp", "", "GB", "GBPP", "ZZZ"])
def test_unknown_currency_is_refused(code):
    assert not is_currency(code)
    with pytest.raises(MoneyError, match="unknown ISO 4217"):
        exponent(code)
    with pytest.raises(MoneyError):
        to_minor(D("1"), code)
    with pytest.raises(MoneyError):
        Money(1, code)


@pytest.mark.parametrize("amount, currency, minor", [
    ("1000", "JPY", 1000), ("1000.0", "JPY", 1000), ("1E+3", "JPY", 1000), ("0", "JPY", 0),
    ("12.34", "GBP", 1234), ("12.3", "GBP", 1230), ("12", "GBP", 1200), ("12.340000", "GBP", 1234),
    ("-0.01", "GBP", -1), ("0.01", "GBP", 1), ("-0", "GBP", 0),
    ("1.234", "BHD", 1234), ("0.001", "BHD", 1), ("5", "BHD", 5000),
    ("92233720368547758.07", "GBP", MAX_MINOR),
])
def test_to_minor_is_exact(amount, currency, minor):
    assert to_minor(D(amount), currency) == minor
    assert type(to_minor(D(amount), currency)) is int


@pytest.mark.parametrize("amount, currency", [
    ("0.5", "JPY"), ("1000.1", "JPY"), ("12.345", "GBP"), ("0.001", "GBP"), ("1.2345", "BHD"),
    # 30 significant digits: the default 28-digit decimal context would round this to 10.00.
    ("10.0000000000000000000000000001", "GBP"),
    ("1E-1000000", "GBP"),
])
def test_more_decimals_than_the_currency_has_is_refused(amount, currency):
    with pytest.raises(MoneyError, match="decimal places"):
        to_minor(D(amount), currency)


@pytest.mark.parametrize("amount", ["92233720368547758.08", "123456789012345678901234567890.12", "1E+1000000",
                                    "-1E+999999999"])
def test_amounts_beyond_bigint_minor_units_are_refused_quickly(amount):
    with pytest.raises(MoneyError, match="too large"):
        to_minor(D(amount), "GBP")


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_non_finite_amounts_are_refused(amount):
    with pytest.raises(MoneyError):
        to_minor(D(amount), "GBP")
    with pytest.raises(MoneyError):
        round_major(D(amount), "GBP")


@pytest.mark.parametrize("value", [0.5, 1.0, 0.1, True, "1.00", None])
def test_floats_and_other_types_are_never_accepted(value):
    with pytest.raises(MoneyError):
        to_minor(value, "GBP")  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        round_major(value, "GBP")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0.5, 100.0])
def test_money_refuses_floats(value):
    with pytest.raises(MoneyError):
        Money.of(value, "GBP")  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money(value, "GBP")  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        to_major(value, "GBP")  # type: ignore[arg-type]


def test_money_refuses_booleans_as_minor_units():
    with pytest.raises(MoneyError):
        Money(True, "GBP")  # type: ignore[arg-type]


@pytest.mark.parametrize("minor, currency, major", [
    (1000, "JPY", "1000"), (0, "JPY", "0"), (1234, "GBP", "12.34"), (1200, "GBP", "12.00"), (-1, "GBP", "-0.01"),
    (0, "GBP", "0.00"), (1234, "BHD", "1.234"), (5, "BHD", "0.005"), (MAX_MINOR, "GBP", "92233720368547758.07"),
])
def test_to_major_renders_exactly_the_currencys_decimals(minor, currency, major):
    value = to_major(minor, currency)
    assert isinstance(value, Decimal)
    assert str(value) == major
    assert to_minor(value, currency) == minor


def test_to_major_accepts_integral_decimals_from_sql_sums():
    assert str(to_major(D("1234"), "GBP")) == "12.34"
    assert str(to_major(D("1.2E+3"), "JPY")) == "1200"
    for fractional in (D("12.5"), D("NaN")):
        with pytest.raises(MoneyError):
            to_major(fractional, "GBP")  # type: ignore[arg-type]


@pytest.mark.parametrize("amount, currency, rounded", [
    ("2.345", "GBP", "2.34"), ("2.355", "GBP", "2.36"), ("2.3451", "GBP", "2.35"), ("-2.345", "GBP", "-2.34"),
    ("0.5", "JPY", "0"), ("1.5", "JPY", "2"), ("2.5", "JPY", "2"), ("-2.5", "JPY", "-2"),
    ("1.0005", "BHD", "1.000"), ("1.0015", "BHD", "1.002"), ("1.00051", "BHD", "1.001"),
    ("7", "GBP", "7.00"), ("7", "BHD", "7.000"),
    ("123456789012345678901234567890.125", "GBP", "123456789012345678901234567890.12"),
])
def test_round_major_is_half_even_to_the_minor_unit(amount, currency, rounded):
    assert str(round_major(D(amount), currency)) == rounded


def test_money_of_parses_decimal_strings_and_ints():
    assert Money.of("12.30", "GBP") == Money(1230, "GBP")
    assert Money.of(D("12.3"), "GBP") == Money(1230, "GBP")
    assert Money.of(12, "GBP") == Money(1200, "GBP")
    assert Money.of(" 1.234 ", "BHD") == Money(1234, "BHD")
    assert Money.of("1000", "JPY").amount == D("1000")
    assert str(Money.of("5", "BHD")) == "5.000 BHD"


@pytest.mark.parametrize("text", ["abc", "", "1,00", "0x10"])
def test_money_of_refuses_text_that_is_not_a_number(text):
    with pytest.raises(MoneyError):
        Money.of(text, "GBP")


def test_money_of_refuses_too_many_decimals():
    with pytest.raises(MoneyError):
        Money.of("10.5", "JPY")
    with pytest.raises(MoneyError):
        Money.of("0.0001", "BHD")


def test_money_arithmetic_stays_in_one_currency():
    a, b = Money.of("10.00", "GBP"), Money.of("2.50", "GBP")
    assert a + b == Money(1250, "GBP")
    assert a - b == Money(750, "GBP")
    assert -b == Money(-250, "GBP")
    assert a.min(b) == b
    assert b < a and b <= a and a > b and a >= b and a <= a
    assert Money.zero("JPY").is_zero
    assert (b - a).is_negative and a.is_positive
    with pytest.raises(MoneyError):
        a + Money.of("1", "JPY")
    with pytest.raises(MoneyError):
        a - Money.of("1", "EUR")
    with pytest.raises(MoneyError):
        a.min(Money.of("1", "EUR"))


@pytest.mark.parametrize("compare", [
    lambda a, b: a < b, lambda a, b: a <= b, lambda a, b: a > b, lambda a, b: a >= b,
])
def test_money_in_different_currencies_cannot_be_ordered(compare):
    with pytest.raises(MoneyError):
        compare(Money(100, "GBP"), Money(5, "JPY"))


def test_money_equality_includes_the_currency():
    assert Money(100, "GBP") != Money(100, "USD")
    assert Money(100, "GBP") == Money(100, "GBP")
    assert hash(Money(100, "GBP")) == hash(Money(100, "GBP"))
