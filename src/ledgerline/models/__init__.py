"""Every table of the one schema. Importing this package registers them all on ``Base.metadata``."""

from ledgerline.models.base import Base
from ledgerline.models.tenant import Tenant, User
from ledgerline.models.api_client import ApiClient, ApiClientRefreshToken
from ledgerline.models.number_sequence import NumberSequence
from ledgerline.models.idempotency import IdempotencyKey
from ledgerline.models.admin import BillingCycle, ContractOwner
from ledgerline.models.admin_directory import AdminContact, CommissionAgent, CustomFieldDefinition, Supplier
from ledgerline.models.admin_documents import (
    ElectronicSummaryTemplate,
    InvoiceDocumentProfile,
    InvoiceMarketingInfo,
    InvoiceSummaryTemplate,
    InvoiceSummaryTemplateComponent,
    InvoiceTemplate,
)
from ledgerline.models.email_template import EmailTemplate
from ledgerline.models.sub_brand import ContractOwnerSubBrand, SubBrandAddress, SubBrandLogo
from ledgerline.models.customer import Customer, Site
from ledgerline.models.bill_run import BillRun
from ledgerline.models.bill import Bill
from ledgerline.models.invoice import Invoice
from ledgerline.models.reference import (
    FinancialTransactionCategory, FinancialTransactionType, PaymentMethodSetting, RejectionReason, ShortfallTolerance,
)
from ledgerline.models.payment import Payment, PaymentAllocation, PaymentCancellation
from ledgerline.models.credit import Credit, CreditTarget
from ledgerline.models.refund import Refund
from ledgerline.models.gift_certificate import GiftCertificate, GiftCertificateRedemption
from ledgerline.models.invoice_payment import InvoicePayment
from ledgerline.models.adjustment import CustomerBalanceAdjustment
from ledgerline.models.journal import JournalEntry
from ledgerline.models.provider import (
    PaymentProvider, PaymentProviderContractOwner, ProviderCollection, ProviderEvent, ProviderRefund, SandboxOperation,
    SitePaymentMandate,
)
from ledgerline.models.event import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "AdminContact",
    "ApiClient",
    "ApiClientRefreshToken",
    "Base",
    "Bill",
    "BillRun",
    "BillingCycle",
    "CommissionAgent",
    "Credit",
    "CreditTarget",
    "ContractOwner",
    "ContractOwnerSubBrand",
    "CustomFieldDefinition",
    "Customer",
    "CustomerBalanceAdjustment",
    "ElectronicSummaryTemplate",
    "Event",
    "EmailTemplate",
    "FinancialTransactionCategory",
    "FinancialTransactionType",
    "GiftCertificate",
    "GiftCertificateRedemption",
    "IdempotencyKey",
    "Invoice",
    "InvoiceDocumentProfile",
    "InvoiceMarketingInfo",
    "InvoicePayment",
    "InvoiceSummaryTemplate",
    "InvoiceSummaryTemplateComponent",
    "InvoiceTemplate",
    "JournalEntry",
    "NumberSequence",
    "Payment",
    "PaymentAllocation",
    "PaymentCancellation",
    "PaymentMethodSetting",
    "PaymentProvider",
    "PaymentProviderContractOwner",
    "ProviderCollection",
    "ProviderEvent",
    "ProviderRefund",
    "Refund",
    "RejectionReason",
    "SandboxOperation",
    "ShortfallTolerance",
    "Site",
    "SitePaymentMandate",
    "SubBrandAddress",
    "SubBrandLogo",
    "Supplier",
    "Tenant",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
