"""Distribution by tenant: every tenant table's key includes tenant_id, and so does every foreign key between them

Issue 17 item 5. A table distributed by tenant_id (Citus) needs its primary key and unique constraints to
contain tenant_id, and a foreign key between two distributed tables to contain it on both sides; it also makes
a row referring to another tenant's row impossible. The keys become (id, tenant_id): ``id`` first, so that the
statements that find a row by id alone keep their index; it keeps its own sequence, so nothing else changes.
Each foreign key (tenant_id, x_id) refers to (tenant_id, id), which PostgreSQL matches to that key.

On SQLite, which auto-increments only a single-column INTEGER PRIMARY KEY, the row key stays ``id`` and
(tenant_id, id) becomes a UNIQUE constraint for the composite foreign keys (``models/base.py``); each table is
recreated in batch mode, parents before children.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 03:40:00
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every tenant table, parents before children, with its foreign keys to other tenant tables:
# (column, referred table, the key's name[, ON DELETE]).
TABLES: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ('admin_contacts', ()),
    ('commission_agents', ()),
    ('contract_owners', ()),
    ('custom_field_definitions', ()),
    ('electronic_summary_templates', ()),
    ('email_templates', ()),
    ('events', ()),
    ('financial_transaction_categories', ()),
    ('financial_transaction_types', ()),
    ('invoice_summary_templates', ()),
    ('invoice_templates', ()),
    ('payment_methods', ()),
    ('payment_providers', ()),
    ('rejection_reasons', ()),
    ('sub_brand_addresses', ()),
    ('suppliers', ()),
    ('webhook_endpoints', ()),
    ('billing_cycles', (
        ('auto_close_admin_contact_id', 'admin_contacts', 'fk_billing_cycles_auto_close_admin_contact_id_admin_contacts'),
    )),
    ('contract_owner_sub_brands', (
        ('address_id', 'sub_brand_addresses', 'fk_contract_owner_sub_brands_address_id_sub_brand_addresses'),
        ('contract_owner_id', 'contract_owners', 'fk_contract_owner_sub_brands_contract_owner_id_contract_owners'),
        ('email_template_id', 'email_templates', 'fk_contract_owner_sub_brands_email_template_id_email_templates'),
    )),
    ('invoice_document_profiles', (
        ('electronic_summary_template_id', 'electronic_summary_templates', 'fk_document_profiles_electronic_template'),
        ('invoice_summary_template_id', 'invoice_summary_templates', 'fk_document_profiles_summary_template'),
        ('invoice_template_id', 'invoice_templates', 'fk_document_profiles_invoice_template'),
    )),
    ('invoice_summary_template_components', (
        ('invoice_summary_template_id', 'invoice_summary_templates', 'fk_summary_components_summary_template'),
    )),
    ('payment_provider_contract_owners', (
        ('contract_owner_id', 'contract_owners', 'fk_payment_provider_contract_owners_contract_owner_id_contract_owners'),
        ('provider_id', 'payment_providers', 'fk_payment_provider_contract_owners_provider_id_payment_providers'),
    )),
    ('provider_events', (
        ('provider_id', 'payment_providers', 'fk_provider_events_provider_id_payment_providers'),
    )),
    ('sandbox_operations', (
        ('provider_id', 'payment_providers', 'fk_sandbox_operations_provider_id_payment_providers'),
    )),
    ('users', ()),
    ('webhook_deliveries', (
        ('endpoint_id', 'webhook_endpoints', 'fk_webhook_deliveries_endpoint_id_webhook_endpoints', 'CASCADE'),
        ('event_id', 'events', 'fk_webhook_deliveries_event_id_events'),
    )),
    ('bill_runs', (
        ('billing_cycle_id', 'billing_cycles', 'fk_bill_runs_billing_cycle_id_billing_cycles'),
    )),
    ('customers', (
        ('billing_cycle_id', 'billing_cycles', 'fk_customers_billing_cycle_id_billing_cycles'),
        ('contract_owner_id', 'contract_owners', 'fk_customers_contract_owner_id_contract_owners'),
        ('sub_brand_id', 'contract_owner_sub_brands', 'fk_customers_sub_brand_id_contract_owner_sub_brands'),
    )),
    ('invoice_marketing_info', (
        ('invoice_template_id', 'invoice_templates', 'fk_invoice_marketing_info_invoice_template'),
        ('sub_brand_id', 'contract_owner_sub_brands', 'fk_invoice_marketing_info_sub_brand'),
    )),
    ('sub_brand_logos', (
        ('sub_brand_id', 'contract_owner_sub_brands', 'fk_sub_brand_logos_sub_brand_id_contract_owner_sub_brands'),
    )),
    ('webhook_attempts', (
        ('delivery_id', 'webhook_deliveries', 'fk_webhook_attempts_delivery_id_webhook_deliveries', 'CASCADE'),
    )),
    ('bills', (
        ('customer_id', 'customers', 'fk_bills_customer_id_customers'),
    )),
    ('gift_certificates', (
        ('customer_id', 'customers', 'fk_gift_certificates_customer_id_customers'),
    )),
    ('payments', (
        ('category_id', 'financial_transaction_categories', 'fk_payments_category_id_financial_transaction_categories'),
        ('customer_id', 'customers', 'fk_payments_customer_id_customers'),
        ('rejection_reason_id', 'rejection_reasons', 'fk_payments_rejection_reason_id_rejection_reasons'),
        ('type_id', 'financial_transaction_types', 'fk_payments_type_id_financial_transaction_types'),
    )),
    ('sites', (
        ('customer_id', 'customers', 'fk_sites_customer_id_customers'),
    )),
    ('credits', (
        ('customer_id', 'customers', 'fk_credits_customer_id_customers'),
        ('parent_id', 'credits', 'fk_credits_parent_id_credits'),
        ('payment_id', 'payments', 'fk_credits_payment_id_payments'),
    )),
    ('invoices', (
        ('bill_id', 'bills', 'fk_invoices_bill_id_bills'),
        ('bill_run_id', 'bill_runs', 'fk_invoices_bill_run_id_bill_runs'),
        ('customer_id', 'customers', 'fk_invoices_customer_id_customers'),
    )),
    ('payment_cancellations', (
        ('category_id', 'financial_transaction_categories', 'fk_payment_cancellations_category_id_financial_transaction_categories'),
        ('payment_id', 'payments', 'fk_payment_cancellations_payment_id_payments'),
        ('type_id', 'financial_transaction_types', 'fk_payment_cancellations_type_id_financial_transaction_types'),
    )),
    ('site_payment_mandates', (
        ('customer_id', 'customers', 'fk_site_payment_mandates_customer_id_customers'),
        ('provider_id', 'payment_providers', 'fk_site_payment_mandates_provider_id_payment_providers'),
        ('site_id', 'sites', 'fk_site_payment_mandates_site_id_sites'),
    )),
    ('credit_targets', (
        ('credit_id', 'credits', 'fk_credit_targets_credit_id_credits'),
        ('invoice_id', 'invoices', 'fk_credit_targets_invoice_id_invoices'),
    )),
    ('customer_balance_adjustments', (
        ('customer_id', 'customers', 'fk_customer_balance_adjustments_customer_id_customers'),
        ('invoice_id', 'invoices', 'fk_customer_balance_adjustments_invoice_id_invoices'),
    )),
    ('gift_certificate_redemptions', (
        ('credit_id', 'credits', 'fk_gift_certificate_redemptions_credit_id_credits'),
        ('customer_id', 'customers', 'fk_gift_certificate_redemptions_customer_id_customers'),
        ('gift_certificate_id', 'gift_certificates', 'fk_gift_certificate_redemptions_gift_certificate_id_gift_certificates'),
        ('payment_id', 'payments', 'fk_gift_certificate_redemptions_payment_id_payments'),
    )),
    ('payment_allocations', (
        ('invoice_id', 'invoices', 'fk_payment_allocations_invoice_id_invoices'),
        ('payment_id', 'payments', 'fk_payment_allocations_payment_id_payments'),
    )),
    ('provider_collections', (
        ('customer_id', 'customers', 'fk_provider_collections_customer_id_customers'),
        ('invoice_id', 'invoices', 'fk_provider_collections_invoice_id_invoices'),
        ('mandate_id', 'site_payment_mandates', 'fk_provider_collections_mandate_id_site_payment_mandates'),
        ('payment_id', 'payments', 'fk_provider_collections_payment_id_payments'),
        ('provider_id', 'payment_providers', 'fk_provider_collections_provider_id_payment_providers'),
    )),
    ('refunds', (
        ('customer_id', 'customers', 'fk_refunds_customer_id_customers'),
        ('invoice_id', 'invoices', 'fk_refunds_invoice_id_invoices'),
    )),
    ('invoice_payments', (
        ('customer_id', 'customers', 'fk_invoice_payments_customer_id_customers'),
        ('invoice_id', 'invoices', 'fk_invoice_payments_invoice_id_invoices'),
        ('payment_id', 'payments', 'fk_invoice_payments_payment_id_payments'),
        ('refund_id', 'refunds', 'fk_invoice_payments_refund_id_refunds'),
    )),
    ('journal_entries', (
        ('adjustment_id', 'customer_balance_adjustments', 'fk_journal_entries_adjustment_id_customer_balance_adjustments'),
        ('credit_id', 'credits', 'fk_journal_entries_credit_id_credits'),
        ('customer_id', 'customers', 'fk_journal_entries_customer_id_customers'),
        ('invoice_id', 'invoices', 'fk_journal_entries_invoice_id_invoices'),
        ('payment_id', 'payments', 'fk_journal_entries_payment_id_payments'),
        ('refund_id', 'refunds', 'fk_journal_entries_refund_id_refunds'),
    )),
    ('provider_refunds', (
        ('collection_id', 'provider_collections', 'fk_provider_refunds_collection_id_provider_collections'),
        ('customer_id', 'customers', 'fk_provider_refunds_customer_id_customers'),
        ('provider_id', 'payment_providers', 'fk_provider_refunds_provider_id_payment_providers'),
        ('refund_id', 'refunds', 'fk_provider_refunds_refund_id_refunds'),
    )),
)


SQLITE_NAMES = {'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s', 'pk': 'pk_%(table_name)s'}


def _rewrite(distributed: bool) -> None:
    """Turn every key into its distributed form (``distributed``) or back into the single-column one."""
    key = ['id', 'tenant_id'] if distributed else ['id']
    referred_key = ['tenant_id', 'id'] if distributed else ['id']
    if op.get_bind().dialect.name == 'sqlite':
        for table, foreign_keys in (TABLES if distributed else reversed(TABLES)):
            # A key to the table itself can only be added once the table has the key it refers to (with
            # foreign keys on, SQLite refuses to copy rows into a table whose key refers to a missing one).
            own = [fk for fk in foreign_keys if fk[1] == table and distributed]
            # The convention names the keys that SQLite reflects without a name, so that they can be dropped.
            with op.batch_alter_table(table, recreate='always', naming_convention=SQLITE_NAMES) as batch:
                for _column, _referred, name, *_ in foreign_keys:
                    batch.drop_constraint(op.f(name), type_='foreignkey')
                batch.drop_constraint(op.f(f'pk_{table}'), type_='primary')
                batch.create_primary_key(op.f(f'pk_{table}'), key)
                _create_foreign_keys(batch.create_foreign_key, [fk for fk in foreign_keys if fk not in own],
                                     referred_key)
            if own:
                with op.batch_alter_table(table, recreate='always') as batch:
                    _create_foreign_keys(batch.create_foreign_key, own, referred_key)
        return
    # PostgreSQL: the foreign keys go first (they depend on the referred keys), then the keys, then they return.
    for table, foreign_keys in TABLES:
        for _column, _referred, name, *_ in foreign_keys:
            op.drop_constraint(op.f(name), table, type_='foreignkey')
    for table, _ in TABLES:
        op.drop_constraint(op.f(f'pk_{table}'), table, type_='primary')
        op.create_primary_key(op.f(f'pk_{table}'), table, key)
    for table, foreign_keys in TABLES:
        _create_foreign_keys(functools.partial(op.create_foreign_key, source_table=table), foreign_keys,
                             referred_key)


def _create_foreign_keys(create: Callable[..., None], foreign_keys, referred_key: list[str]) -> None:  # noqa: ANN001
    for column, referred, name, *on_delete in foreign_keys:
        create(constraint_name=op.f(name), referent_table=referred, local_cols=referred_key[:-1] + [column],
               remote_cols=referred_key, ondelete=on_delete[0] if on_delete else None)


def upgrade() -> None:
    _rewrite(distributed=True)


def downgrade() -> None:
    _rewrite(distributed=False)
