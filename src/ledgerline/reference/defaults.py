"""What a new tenant starts with. Plain data, so that migrations can seed existing tenants too."""

from __future__ import annotations

from ledgerline.models.enums import PaymentMethod, TransactionClassification as C

# (name, alternative code, classification, description). The entry whose alternative code is its
# classification's name is the default type for that classification.
TRANSACTION_TYPES: tuple[tuple[str, str, C, str], ...] = (
    ("Payment", "PAYMENT", C.PAYMENT, "Money received from a customer"),
    ("Payment cancellation", "PAYMENT_CANCELLATION", C.PAYMENT_CANCELLATION, "Reverses a posted payment"),
    ("Invoice", "INVOICE", C.INVOICE, "A charge to a customer"),
    ("Invoice cancellation", "INVOICE_CANCELLATION", C.INVOICE_CANCELLATION, "Reverses a posted invoice"),
    ("Credit note", "CREDIT_NOTE", C.CREDIT_NOTE, "Reduces what a customer owes"),
    ("Refund", "REFUND", C.REFUND, "Money returned to a customer"),
    ("Write-off", "WRITE_OFF", C.WRITE_OFF, "Debt that will not be collected"),
)

# (name, code, description)
TRANSACTION_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("General", "GENERAL", "Transactions with no particular category"),
)

# (name, alternative code, description)
REJECTION_REASONS: tuple[tuple[str, str, str], ...] = (
    ("Insufficient funds", "INSUFFICIENT_FUNDS", "The payer's account could not cover the payment"),
    ("Duplicate payment", "DUPLICATE", "The payment was recorded twice"),
    ("Invalid details", "INVALID_DETAILS", "The payment's details are wrong or incomplete"),
    ("Other", "OTHER", "Any other reason; say which in the notes"),
)

_METHOD_NAMES = {
    PaymentMethod.BACS: "BACS", PaymentMethod.PAYPAL: "PayPal", PaymentMethod.EZYPAY: "Ezypay",
    PaymentMethod.GO_CARDLESS: "GoCardless", PaymentMethod.GC_INSTANT_BANK_PAYMENTS: "GoCardless instant bank payment",
    PaymentMethod.STRIPE_DD: "Stripe direct debit", PaymentMethod.CANCELLED_DD: "Cancelled direct debit",
}


def payment_method_name(method: PaymentMethod) -> str:
    return _METHOD_NAMES.get(method) or method.value.replace("_", " ").capitalize()
