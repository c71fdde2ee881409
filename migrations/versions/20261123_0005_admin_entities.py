"""admin entities: suppliers, templates, document profiles, marketing info, contacts, agents, custom fields

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:00:59.894551
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import ledgerline.models.base


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('admin_contacts',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('email_address', sa.String(length=255), nullable=False),
    sa.Column('telephone_number', sa.String(length=255), nullable=True),
    sa.Column('tripwire_notifications', sa.Boolean(), nullable=False),
    sa.Column('usage_cap_notifications', sa.Boolean(), nullable=False),
    sa.Column('auto_close_notifications', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('locator', sa.String(length=26), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_contacts')),
    sa.UniqueConstraint('tenant_id', 'locator', name=op.f('uq_admin_contacts_tenant_id_locator'))
    )
    op.create_index('ix_admin_contacts_tenant_auto_close_notifications', 'admin_contacts', ['tenant_id', 'auto_close_notifications'], unique=False)
    op.create_index('ix_admin_contacts_tenant_created_at', 'admin_contacts', ['tenant_id', 'created_at'], unique=False)
    op.create_index('ix_admin_contacts_tenant_email_address', 'admin_contacts', ['tenant_id', 'email_address'], unique=False)
    op.create_index('ix_admin_contacts_tenant_name', 'admin_contacts', ['tenant_id', 'name'], unique=False)
    op.create_index('ix_admin_contacts_tenant_tripwire_notifications', 'admin_contacts', ['tenant_id', 'tripwire_notifications'], unique=False)
    op.create_index('ix_admin_contacts_tenant_usage_cap_notifications', 'admin_contacts', ['tenant_id', 'usage_cap_notifications'], unique=False)
    op.create_table('commission_agents',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('email_address', sa.String(length=255), nullable=True),
    sa.Column('telephone_number', sa.String(length=255), nullable=True),
    sa.Column('address', sa.JSON(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('locator', sa.String(length=26), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_agents')),
    sa.UniqueConstraint('tenant_id', 'locator', name=op.f('uq_commission_agents_tenant_id_locator'))
    )
    op.create_index('ix_commission_agents_tenant_active', 'commission_agents', ['tenant_id', 'active'], unique=False)
    op.create_index('ix_commission_agents_tenant_created_at', 'commission_agents', ['tenant_id', 'created_at'], unique=False)
    op.create_index('ix_commission_agents_tenant_name', 'commission_agents', ['tenant_id', 'name'], unique=False)
    op.create_index('ix_commission_agents_tenant_reference', 'commission_agents', ['tenant_id', 'reference'], unique=False)
    op.create_table('custom_field_definitions',
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('entity_level', sa.Enum('CUSTOMER', 'SITE', 'INVOICE', 'PAYMENT', name='custom_field_entity_level', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('locator', sa.String(length=26), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custom_field_definitions')),
    sa.UniqueConstraint('tenant_id', 'entity_level', 'label', name=op.f('uq_custom_field_definitions_tenant_id_entity_level_label')),
    sa.UniqueConstraint('tenant_id', 'locator', name=op.f('uq_custom_field_definitions_tenant_id_locator'))
    )
    op.create_index('ix_custom_field_definitions_tenant_created_at', 'custom_field_definitions', ['tenant_id', 'created_at'], unique=False)
    op.create_index('ix_custom_field_definitions_tenant_label', 'custom_field_definitions', ['tenant_id', 'label'], unique=False)
    op.create_table('electronic_summary_templates',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('file_format', sa.Enum('CSV', 'XLSX', 'XML', 'JSON', name='electronic_file_format', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('include_header_row', sa.Boolean(), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('locator', sa.String(length=26), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_electronic_summary_templates')),
    sa.UniqueConstraint('tenant_id', 'locator', name=op.f('uq_electronic_summary_templates_tenant_id_locator'))
    )
    op.create_index('ix_electronic_summary_templates_tenant_created_at', 'electronic_summary_templates', ['tenant_id', 'created_at'], unique=False)
    op.create_index('ix_electronic_summary_templates_tenant_file_format', 'electronic_summary_templates', ['tenant_id', 'file_format'], unique=False)
    op.create_index('ix_electronic_summary_templates_tenant_name', 'electronic_summary_templates', ['tenant_id', 'name'], unique=False)
    op.create_table('invoice_summary_templates',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('group_by', sa.Enum('SITE', 'PRODUCT', 'CHARGE_TYPE', name='summary_grouping', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('locator', sa.String(length=26), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_summary_templates')),
    sa.UniqueConstraint('tenant_id', 'locator', name=op.f('uq_invoice_summary_templates_tenant_id_locator'))
    )
    op.create_index('ix_invoice_summary_templates_tenant_created_at', 'invoice_summary_templates', ['tenant_id', 'created_at'], unique=False)
    op.create_index('ix_invoice_summary_templates_tenant_group_by', 'invoice_summary_templates', ['tenant_id', 'group_by'], unique=False)
    op.create_index('ix_invoice_summary_templates_tenant_name', 'invoice_summary_templates', ['tenant_id', 'name'], unique=False)
    op.create_table('invoice_templates',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('page_size', sa.Enum('A4', 'LETTER', name='page_size', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('marketing_slots', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('locator', sa.String(length=26), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_templates')),
    sa.UniqueConstraint('tenant_id', 'locator', name=op.f('uq_invoice_templates_tenant_id_locator'))
    )
    op.create_index('ix_invoice_templates_tenant_created_at', 'invoice_templates', ['tenant_id', 'created_at'], unique=False)
    op.create_index('ix_invoice_templates_tenant_name', 'invoice_templates', ['tenant_id', 'name'], unique=False)
    op.create_table('suppliers',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('account_number', sa.String(length=100), nullable=True),
    sa.Column('supplier_account_id', sa.String(length=100), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('email_address', sa.String(length=255), nullable=True),
    sa.Column('telephone_number', sa.String(length=255), nullable=True),
    sa.Column('address', sa.JSON(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('locator', sa.String(length=26), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppliers')),
    sa.UniqueConstraint('tenant_id', 'locator', name=op.f('uq_suppliers_tenant_id_locator'))
    )
    op.create_index('ix_suppliers_tenant_account_number', 'suppliers', ['tenant_id', 'account_number'], unique=False)
    op.create_index('ix_suppliers_tenant_created_at', 'suppliers', ['tenant_id', 'created_at'], unique=False)
    op.create_index('ix_suppliers_tenant_name', 'suppliers', ['tenant_id', 'name'], unique=False)
    op.create_index('ix_suppliers_tenant_supplier_account_id', 'suppliers', ['tenant_id', 'supplier_account_id'], unique=False)
    op.create_table('invoice_document_profiles',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('invoice_template_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('invoice_summary_template_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('electronic_summary_template_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('locator', sa.String(length=26), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['electronic_summary_template_id'], ['electronic_summary_templates.id'], name='fk_document_profiles_electronic_template'),
    sa.ForeignKeyConstraint(['invoice_summary_template_id'], ['invoice_summary_templates.id'], name='fk_document_profiles_summary_template'),
    sa.ForeignKeyConstraint(['invoice_template_id'], ['invoice_templates.id'], name='fk_document_profiles_invoice_template'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_document_profiles')),
    sa.UniqueConstraint('tenant_id', 'locator', name=op.f('uq_invoice_document_profiles_tenant_id_locator'))
    )
    op.create_index('ix_document_profiles_tenant_created_at', 'invoice_document_profiles', ['tenant_id', 'created_at'], unique=False)
    op.create_index('ix_document_profiles_tenant_electronic_summary_template_id', 'invoice_document_profiles', ['tenant_id', 'electronic_summary_template_id'], unique=False)
    op.create_index('ix_document_profiles_tenant_invoice_summary_template_id', 'invoice_document_profiles', ['tenant_id', 'invoice_summary_template_id'], unique=False)
    op.create_index('ix_document_profiles_tenant_invoice_template_id', 'invoice_document_profiles', ['tenant_id', 'invoice_template_id'], unique=False)
    op.create_index('ix_document_profiles_tenant_name', 'invoice_document_profiles', ['tenant_id', 'name'], unique=False)
    op.create_table('invoice_marketing_info',
    sa.Column('sub_brand_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('invoice_template_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('slots', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('locator', sa.String(length=26), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invoice_template_id'], ['invoice_templates.id'], name='fk_invoice_marketing_info_invoice_template'),
    sa.ForeignKeyConstraint(['sub_brand_id'], ['contract_owner_sub_brands.id'], name='fk_invoice_marketing_info_sub_brand'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_marketing_info')),
    sa.UniqueConstraint('tenant_id', 'locator', name=op.f('uq_invoice_marketing_info_tenant_id_locator')),
    sa.UniqueConstraint('tenant_id', 'sub_brand_id', 'invoice_template_id', name='uq_invoice_marketing_info_tenant_sub_brand_template')
    )
    op.create_index('ix_invoice_marketing_info_tenant_created_at', 'invoice_marketing_info', ['tenant_id', 'created_at'], unique=False)
    op.create_index('ix_invoice_marketing_info_tenant_invoice_template_id', 'invoice_marketing_info', ['tenant_id', 'invoice_template_id'], unique=False)
    op.create_table('invoice_summary_template_components',
    sa.Column('invoice_summary_template_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('component_type', sa.Enum('HEADER', 'ACCOUNT_SUMMARY', 'CHARGES_TABLE', 'USAGE_TABLE', 'PAYMENTS_TABLE', 'TAX_SUMMARY', 'TEXT', 'FOOTER', name='summary_component_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('locator', sa.String(length=26), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ledgerline.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('position >= 1', name=op.f('ck_invoice_summary_template_components_position_positive')),
    sa.ForeignKeyConstraint(['invoice_summary_template_id'], ['invoice_summary_templates.id'], name='fk_summary_components_summary_template'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_summary_template_components')),
    sa.UniqueConstraint('tenant_id', 'locator', name=op.f('uq_invoice_summary_template_components_tenant_id_locator'))
    )
    op.create_index('ix_summary_components_tenant_component_type', 'invoice_summary_template_components', ['tenant_id', 'component_type'], unique=False)
    op.create_index('ix_summary_components_tenant_created_at', 'invoice_summary_template_components', ['tenant_id', 'created_at'], unique=False)
    op.create_index('ix_summary_components_tenant_invoice_summary_template_id', 'invoice_summary_template_components', ['tenant_id', 'invoice_summary_template_id'], unique=False)
    op.create_index('ix_summary_components_tenant_name', 'invoice_summary_template_components', ['tenant_id', 'name'], unique=False)
    op.create_index('ix_summary_components_tenant_position', 'invoice_summary_template_components', ['tenant_id', 'position'], unique=False)
    fk_admin_contact = 'fk_billing_cycles_auto_close_admin_contact_id_admin_contacts'
    if op.get_context().dialect.name == 'sqlite':
        # SQLite adds a foreign key only with its column; batch mode would recreate billing_cycles,
        # which foreign keys from customers and bill runs forbid once rows exist.
        op.execute('ALTER TABLE billing_cycles ADD COLUMN auto_close_admin_contact_id INTEGER '
                   f'CONSTRAINT {fk_admin_contact} REFERENCES admin_contacts (id)')
    else:
        op.add_column('billing_cycles', sa.Column('auto_close_admin_contact_id', sa.BigInteger(), nullable=True))
        op.create_foreign_key(fk_admin_contact, 'billing_cycles', 'admin_contacts', ['auto_close_admin_contact_id'], ['id'])
    op.create_index('ix_billing_cycles_tenant_auto_close_admin_contact_id', 'billing_cycles', ['tenant_id', 'auto_close_admin_contact_id'], unique=False)
    op.add_column('contract_owners', sa.Column('bacs_reference', sa.String(length=255), nullable=True))


def downgrade() -> None:
    op.drop_column('contract_owners', 'bacs_reference')
    op.drop_index('ix_billing_cycles_tenant_auto_close_admin_contact_id', table_name='billing_cycles')
    # Dropping the column drops its foreign key; SQLite drops a foreign key column only by a rebuild.
    with op.batch_alter_table('billing_cycles') as batch:
        batch.drop_column('auto_close_admin_contact_id')
    op.drop_index('ix_summary_components_tenant_position', table_name='invoice_summary_template_components')
    op.drop_index('ix_summary_components_tenant_name', table_name='invoice_summary_template_components')
    op.drop_index('ix_summary_components_tenant_invoice_summary_template_id', table_name='invoice_summary_template_components')
    op.drop_index('ix_summary_components_tenant_created_at', table_name='invoice_summary_template_components')
    op.drop_index('ix_summary_components_tenant_component_type', table_name='invoice_summary_template_components')
    op.drop_table('invoice_summary_template_components')
    op.drop_index('ix_invoice_marketing_info_tenant_invoice_template_id', table_name='invoice_marketing_info')
    op.drop_index('ix_invoice_marketing_info_tenant_created_at', table_name='invoice_marketing_info')
    op.drop_table('invoice_marketing_info')
    op.drop_index('ix_document_profiles_tenant_name', table_name='invoice_document_profiles')
    op.drop_index('ix_document_profiles_tenant_invoice_template_id', table_name='invoice_document_profiles')
    op.drop_index('ix_document_profiles_tenant_invoice_summary_template_id', table_name='invoice_document_profiles')
    op.drop_index('ix_document_profiles_tenant_electronic_summary_template_id', table_name='invoice_document_profiles')
    op.drop_index('ix_document_profiles_tenant_created_at', table_name='invoice_document_profiles')
    op.drop_table('invoice_document_profiles')
    op.drop_index('ix_suppliers_tenant_supplier_account_id', table_name='suppliers')
    op.drop_index('ix_suppliers_tenant_name', table_name='suppliers')
    op.drop_index('ix_suppliers_tenant_created_at', table_name='suppliers')
    op.drop_index('ix_suppliers_tenant_account_number', table_name='suppliers')
    op.drop_table('suppliers')
    op.drop_index('ix_invoice_templates_tenant_name', table_name='invoice_templates')
    op.drop_index('ix_invoice_templates_tenant_created_at', table_name='invoice_templates')
    op.drop_table('invoice_templates')
    op.drop_index('ix_invoice_summary_templates_tenant_name', table_name='invoice_summary_templates')
    op.drop_index('ix_invoice_summary_templates_tenant_group_by', table_name='invoice_summary_templates')
    op.drop_index('ix_invoice_summary_templates_tenant_created_at', table_name='invoice_summary_templates')
    op.drop_table('invoice_summary_templates')
    op.drop_index('ix_electronic_summary_templates_tenant_name', table_name='electronic_summary_templates')
    op.drop_index('ix_electronic_summary_templates_tenant_file_format', table_name='electronic_summary_templates')
    op.drop_index('ix_electronic_summary_templates_tenant_created_at', table_name='electronic_summary_templates')
    op.drop_table('electronic_summary_templates')
    op.drop_index('ix_custom_field_definitions_tenant_label', table_name='custom_field_definitions')
    op.drop_index('ix_custom_field_definitions_tenant_created_at', table_name='custom_field_definitions')
    op.drop_table('custom_field_definitions')
    op.drop_index('ix_commission_agents_tenant_reference', table_name='commission_agents')
    op.drop_index('ix_commission_agents_tenant_name', table_name='commission_agents')
    op.drop_index('ix_commission_agents_tenant_created_at', table_name='commission_agents')
    op.drop_index('ix_commission_agents_tenant_active', table_name='commission_agents')
    op.drop_table('commission_agents')
    op.drop_index('ix_admin_contacts_tenant_usage_cap_notifications', table_name='admin_contacts')
    op.drop_index('ix_admin_contacts_tenant_tripwire_notifications', table_name='admin_contacts')
    op.drop_index('ix_admin_contacts_tenant_name', table_name='admin_contacts')
    op.drop_index('ix_admin_contacts_tenant_email_address', table_name='admin_contacts')
    op.drop_index('ix_admin_contacts_tenant_created_at', table_name='admin_contacts')
    op.drop_index('ix_admin_contacts_tenant_auto_close_notifications', table_name='admin_contacts')
    op.drop_table('admin_contacts')
