"""Demo data for ``ledgerline seed``: a realistic tenant made through the public service functions.

Everything goes through the services (never repositories or bare rows), so the demo data obeys every
rule the API does, is journaled, and passes ``ledgerline verify``. All calls to the domain are in this
module; when the service signatures change, this is the one place to adapt.

What a tenant gets: a contract owner with two sub-brands (each with a generated PNG logo) and an email
template, a monthly billing cycle, and ``customers`` customers, each with an invoice a month for
``months`` months. Older invoices are paid in full, some by card and some by direct debit, a few in
part; the newest month is left open. One paid invoice is partly refunded and one part-paid invoice has
its rest written off, so every state a newcomer meets in ``/docs`` has an example.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ledgerline.admin import service as admin
from ledgerline.credits import service as credits
from ledgerline.customers import service as customers
from ledgerline.email_templates import service as email_templates
from ledgerline.invoices import service as invoices
from ledgerline.models.enums import InvoiceStatus, PaymentMethod, PeriodUnit
from ledgerline.kit.money import to_major
from ledgerline.kit.refs import CustomerRef, InvoiceRef
from ledgerline.payments import service as payments
from ledgerline.payments.values import NewPayment, PaymentDetails
from ledgerline.refunds import service as refunds
from ledgerline.sub_brands import service as sub_brands
from ledgerline.tenants import context as tenant_contexts
from ledgerline.tenants import service as tenants

Transaction = Callable[[], AbstractContextManager[Session]]

_FIRST_NAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim",
                "Margaret", "Dennis", "Hedy", "Linus", "Sophie", "John", "Karen", "Niklaus", "Anita", "Guido")
_LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman",
               "Berners-Lee", "Hamilton", "Ritchie", "Lamarr", "Torvalds", "Wilson", "Backus", "Jones", "Wirth",
               "Borg", "van Rossum")
_ADDRESS = {"address1": "1 Ledger Lane", "town": "London", "postcode": "EC1A 1BB", "country": "GB"}
_SUB_BRAND_LABELS = dict(
    summary_customer_account_number_label="Account", billing_period_end_date_label="Period ending",
    vat_registration_number="GB123456789", email_billing_from_address="billing@example.com",
    invoice_customer_account_number_label="Account", invoice_date_label="Invoice date",
    invoice_email_subject="Your invoice", invoice_number_label="Invoice number", product_reference_label="Product",
    summary_invoice_number_label="Invoice", tax_exempt_label="Exempt")
# (name, colour of the logo)
_BRANDS = (("Ledgerline Broadband", (32, 96, 160)), ("Ledgerline Mobile", (200, 80, 40)))


@dataclass
class SeedReport:
    tenant_id: uuid.UUID
    customers: int = 0
    invoices: int = 0
    payments: int = 0
    refunds: int = 0
    write_offs: int = 0
    sub_brands: list[int] = field(default_factory=list)


def logo_png(colour: tuple[int, int, int], size: tuple[int, int] = (120, 40)) -> bytes:
    """A small solid logo with a lighter band, generated (no file shipped)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).rectangle((8, size[1] // 3, size[0] - 8, 2 * size[1] // 3),
                                    fill=tuple(min(255, c + 90) for c in colour))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _month_starts(months: int, today: dt.date) -> list[dt.date]:
    first = today.replace(day=1)
    starts = []
    for back in range(months - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        starts.append(dt.date(year, month + 1, 1))
    return starts


def find_or_create_tenant(session: Session, name_or_id: str) -> uuid.UUID:
    """An existing tenant by id or name, else a new tenant of that name."""
    from ledgerline.models import Tenant
    from ledgerline.tenants import repository

    try:
        tenant = session.get(Tenant, uuid.UUID(name_or_id))
        if tenant is not None:
            return tenant.id
    except ValueError:
        pass
    existing = repository.tenant_by_name(session, name_or_id.strip())
    if existing is not None:
        return existing.id
    return tenants.create_tenant(session, name=name_or_id).id


def _set_up_brands(session: Session, tenant_id: uuid.UUID, report: SeedReport, max_logo_bytes: int) -> tuple[int, int]:
    owner = admin.create_contract_owner(
        session, tenant_id=tenant_id, name="Ledgerline Demo Ltd", available_from=dt.date(2024, 1, 1),
        address=dict(_ADDRESS), si_bcc_email_address="bcc@example.com", tax_registration_number="GB123456789",
        customer_service_email="help@example.com")
    cycle = admin.create_billing_cycle(session, tenant_id=tenant_id, name="Monthly", period_unit=PeriodUnit.MONTH)
    template = email_templates.create_email_template(
        session, tenant_id=tenant_id, name="Invoice e-mail", subject="Your invoice {{invoiceNumber}}",
        body="Dear {{customerName}},\n\nyour invoice {{invoiceNumber}} is attached.")
    for position, (name, colour) in enumerate(_BRANDS):
        brand = sub_brands.create_sub_brand(
            session, tenant_id=tenant_id, address=dict(_ADDRESS), max_logo_bytes=max_logo_bytes,
            logo=sub_brands.LogoUpload(field="logo", data=logo_png(colour)), name=name,
            contract_owner_id=owner.id, email_template_id=template.id, default_sub_brand=position == 0,
            **_SUB_BRAND_LABELS)
        report.sub_brands.append(brand.id)
    return owner.id, cycle.id


def _seed_customer(session: Session, tenant_id: uuid.UUID, index: int, *, owner_id: int, cycle_id: int,
                   brand_id: int, months: list[dt.date], rng: random.Random, report: SeedReport) -> None:
    name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
    customer = customers.create_customer(
        session, tenant_id=tenant_id, name=name, currency="GBP", credit_threshold_minor=rng.choice((0, 10000, 50000)),
        contract_owner_id=owner_id, billing_cycle_id=cycle_id, sub_brand_id=brand_id,
        reference_number=f"DEMO-{index + 1:05d}")
    report.customers += 1
    method = PaymentMethod.DIRECT_DEBIT if index % 3 else PaymentMethod.CREDIT_CARD
    monthly = rng.choice((1999, 2999, 4550, 7500, 12000))
    posted = []
    for start in months:
        total = monthly + rng.randrange(0, 2500)  # a plan plus some usage, in pence
        invoice = invoices.create_invoice(session, tenant_id=tenant_id, customer_id=customer.id, total_minor=total,
                                          issue_date=start, due_date=start + dt.timedelta(days=14),
                                          status=InvoiceStatus.POSTED)
        report.invoices += 1
        posted.append(invoice)
    tenant = tenant_contexts.load(session, tenant_id, {})
    for position, invoice in enumerate(posted[:-1]):  # the newest month stays open
        if index % 5 == 1 and position == len(posted) - 2:
            # A part payment; on every tenth customer the rest is written off.
            part = invoice.outstanding_minor // 2
            payments.record_payment(session, tenant=tenant, actor="seed", new=NewPayment(
                customer=CustomerRef(id=customer.id), amount=to_major(part, customer.currency), payment_method=method,
                post=True, intended_invoices=(InvoiceRef(id=invoice.id),),
                details=PaymentDetails(received_on=invoice.due_date)))
            report.payments += 1
            if index % 10 == 1:
                credits.write_off(session, tenant=tenant, actor="seed", new=credits.NewWriteOff(
                    customer=CustomerRef(id=customer.id), targets=(credits.WriteOffTarget(InvoiceRef(id=invoice.id)),),
                    description="Goodwill: service outage"))
                report.write_offs += 1
            continue
        payments.pay_invoice(session, tenant=tenant, invoice=InvoiceRef(id=invoice.id), payment_method=method,
                             actor="seed")
        report.payments += 1
    if posted[:-1] and (index % 8 == 0):
        refunds.refund(session, tenant=tenant, actor="seed", new=refunds.NewRefund(
            invoice=InvoiceRef(id=posted[0].id), amount=to_major(max(1, posted[0].total_minor // 4), customer.currency),
            description="Refund: billed twice for a router"))
        report.refunds += 1


def seed(transaction: Transaction, tenant: str, *, customers_count: int = 25, months: int = 6,
         seed_value: int = 16, max_logo_bytes: int = 1024 * 1024,
         progress: Callable[[Iterator[int], int], Iterator[int]] | None = None,
         today: dt.date | None = None) -> SeedReport:
    """Seed ``tenant`` (a name or id; created when missing). ``transaction()`` opens one committed
    transaction: the brands in one, then one per customer, so progress is real and an interrupted
    run keeps what it made. ``progress`` wraps the customer loop (a progress bar)."""
    if customers_count < 1 or months < 2:
        raise ValueError("at least one customer and two months")
    rng = random.Random(seed_value)
    with transaction() as session:
        tenant_id = find_or_create_tenant(session, tenant)
        report = SeedReport(tenant_id=tenant_id)
        owner_id, cycle_id = _set_up_brands(session, tenant_id, report, max_logo_bytes)
    starts = _month_starts(months, today or dt.date.today())
    indices: Iterator[int] = iter(range(customers_count))
    for index in progress(indices, customers_count) if progress else indices:
        with transaction() as session:
            _seed_customer(session, tenant_id, index, owner_id=owner_id, cycle_id=cycle_id,
                           brand_id=report.sub_brands[index % len(report.sub_brands)], months=starts,
                           rng=rng, report=report)
    return report
