"""Exact money: integer minor units in storage, ``Money`` in the domain, ``Decimal`` on the wire."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_EVEN, Context, Decimal, InvalidOperation

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


# Minor units are stored as BIGINT.
MAX_MINOR = 2**63 - 1


def _decimal(amount: object) -> Decimal:
    # A float is refused even when its value happens to be exact: it means a number
    # went through binary floating point somewhere, which is the bug to catch.
    if isinstance(amount, Decimal):
        return amount
    if isinstance(amount, int) and not isinstance(amount, bool):
        return Decimal(amount)
    raise MoneyError(f"amounts must be Decimal, not {type(amount).__name__}")


def _exact(amount: Decimal, places: int) -> Context:
    """A context in which scaling or quantizing ``amount`` by ``places`` never rounds.

    The default context keeps 28 significant digits, so ``10.0000000000000000000000000001``
    would silently become ``10.00``.
    """
    digits = len(amount.as_tuple().digits) + max(amount.adjusted(), 0) + abs(places) + 2
    return Context(prec=min(digits, MAX_PREC), Emax=MAX_EMAX, Emin=MIN_EMIN)


def scale_exact(amount: Decimal, places: int) -> Decimal:
    """``amount * 10**places`` with no rounding at all."""
    return amount.scaleb(places, context=_exact(amount, places))


def round_major(amount: Decimal, currency: str) -> Decimal:
    """Round half-even to the currency's minor unit (used for derived values, never for input)."""
    amount = _decimal(amount)
    if not amount.is_finite():
        raise MoneyError("amount must be a finite number")
    places = exponent(currency)
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_EVEN, context=_exact(amount, places))


def to_minor(amount: Decimal, currency: str) -> int:
    """Exact conversion of a wire amount; more decimals than the currency has is an error."""
    amount = _decimal(amount)
    places = exponent(currency)
    if not amount.is_finite():
        raise MoneyError("amount must be a finite number")
    scaled = scale_exact(amount, places)
    # Checked before int(): int(Decimal("1E+1000000")) alone takes many seconds.
    if scaled.copy_abs() > MAX_MINOR:
        raise MoneyError(f"amount is too large for {currency}")
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{currency} amounts have at most {places} decimal places")
    return int(scaled)


# Scaling an integer of up to _MAJOR_DIGITS digits by a currency's exponent never rounds in this
# context. Made once: a Context per call (scale_exact) was a visible share of rendering a page of amounts.
_MAJOR_DIGITS = 38
_MAJOR = Context(prec=_MAJOR_DIGITS + 2, Emax=MAX_EMAX, Emin=MIN_EMIN)
_MAJOR_LIMIT = 10**_MAJOR_DIGITS


def to_major(minor: int, currency: str) -> Decimal:
    # PostgreSQL's SUM(bigint) is NUMERIC, so an integral Decimal is minor units too.
    if type(minor) is not int:
        integral = isinstance(minor, Decimal) and minor.is_finite() and minor == minor.to_integral_value()
        if not integral and (isinstance(minor, bool) or not isinstance(minor, int)):
            raise MoneyError("minor units must be an integer")
        minor = int(minor)
    if -_MAJOR_LIMIT < minor < _MAJOR_LIMIT:
        return Decimal(minor).scaleb(-exponent(currency), context=_MAJOR)
    return scale_exact(Decimal(minor), -exponent(currency))


@dataclass(frozen=True)
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
        if isinstance(amount, str):
            try:
                amount = Decimal(amount.strip())
            except InvalidOperation:
                raise MoneyError(f"{amount!r} is not a number") from None
        return cls(to_minor(amount, currency), currency)

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

    # Ordering only makes sense within one currency (order=True would compare GBP 1 with JPY 5).
    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor >= other.minor

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
