"""Exact money: integer minor units in storage, ``Money`` in the domain, ``Decimal`` on the wire."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

# ISO 4217 active codes and their minor units. Everything not listed in the
# exception tables has two decimals.
_ZERO_DECIMALS = frozenset(
    "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split()
)
_THREE_DECIMALS = frozenset("BHD IQD JOD KWD LYD OMR TND".split())
_FOUR_DECIMALS = frozenset("CLF UYW".split())
_TWO_DECIMALS = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP
    BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT
    LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO
    NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS
    SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD
    YER ZAR ZMW ZWL""".split()
)

CURRENCY_EXPONENTS: dict[str, int] = {
    **{code: 2 for code in _TWO_DECIMALS},
    **{code: 0 for code in _ZERO_DECIMALS},
    **{code: 3 for code in _THREE_DECIMALS},
    **{code: 4 for code in _FOUR_DECIMALS},
}


class MoneyError(ValueError):
    """An amount that cannot be represented exactly in its currency."""


def is_currency(code: str) -> bool:
    return code in CURRENCY_EXPONENTS


def exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"unknown ISO 4217 currency code {currency!r}") from None


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-exponent(currency))


def round_major(amount: Decimal, currency: str) -> Decimal:
    """Round half-even to the currency's minor unit (used for derived values, never for input)."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_EVEN)


def to_minor(amount: Decimal, currency: str) -> int:
    """Exact conversion of a wire amount; more decimals than the currency has is an error."""
    try:
        if not amount.is_finite():
            raise MoneyError("amount must be a finite number")
        scaled = amount.scaleb(exponent(currency))
        if scaled != scaled.to_integral_value():
            raise MoneyError(
                f"{currency} amounts have at most {exponent(currency)} decimal places"
            )
        return int(scaled)
    except InvalidOperation:
        raise MoneyError("amount is not a number") from None


def to_major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency)).quantize(quantum(currency))


@dataclass(frozen=True, order=True)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        exponent(self.currency)  # validates the code
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise MoneyError("minor units must be an integer")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def of(cls, amount: Decimal | str | int, currency: str) -> Money:
        return cls(to_minor(Decimal(amount), currency), currency)

    @property
    def amount(self) -> Decimal:
        return to_major(self.minor, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def min(self, other: Money) -> Money:
        self._same_currency(other)
        return self if self.minor <= other.minor else other

    @property
    def is_zero(self) -> bool:
        return self.minor == 0

    @property
    def is_positive(self) -> bool:
        return self.minor > 0

    @property
    def is_negative(self) -> bool:
        return self.minor < 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
