"""The SQL of each measured endpoint, as Ledgerline (SQLAlchemy 2.0, psycopg 3) sends it.

Copied from a capture of Ledgerline's statements (``bench/sqlcapture.py``; ``make bench`` captures
them again on every run and fails the SQL check if the floor's statements differ in shape), so the
floor app and the pgbench scripts send the very same statements with psycopg's ``%(name)s``
parameters. Statements whose shape depends on a count (``IN`` lists, multi-row ``INSERT``) are
given for one item and widened by ``in_list`` and ``values_rows`` exactly as SQLAlchemy widens them.
"""

from __future__ import annotations

import re


def in_list(sql: str, name: str, count: int) -> str:
    """``IN (%(name_1)s::BIGINT)`` widened to ``count`` parameters ``name_1 .. name_<count>``."""
    one = f"(%({name}_1)s::BIGINT)"
    assert one in sql, name
    return sql.replace(one, "(" + ", ".join(f"%({name}_{n})s::BIGINT" for n in range(1, count + 1)) + ")")


_ROW = re.compile(r"FROM \(VALUES (\(.*?, 0\))\) AS imp_sen")


def values_rows(sql: str, count: int) -> str:
    """SQLAlchemy's "insertmanyvalues" form for ``count`` rows: parameters ``<column>__<row>``."""
    row = _ROW.search(sql)
    assert row is not None
    template = row.group(1)
    rows = ", ".join(template.replace("__0)", f"__{n})").removesuffix(", 0)") + f", {n})" for n in range(count))
    return sql[:row.start(1)] + rows + sql[row.end(1):]


def in_params(name: str, values: list[int]) -> dict[str, int]:
    return {f"{name}_{n}": value for n, value in enumerate(values, start=1)}


def row_params(rows: list[dict[str, object]]) -> dict[str, object]:
    return {f"{column}__{n}": value for n, row in enumerate(rows) for column, value in row.items()}

# Column lists several statements share, as SQLAlchemy writes them.
_PAYMENT_COLUMNS = (
    'payments.number, payments.customer_id, payments.currency, payments.amount_minor, '
    'payments.unallocated_minor, payments.refunded_minor, payments.status, payments.payment_method, '
    'payments.type_id, payments.category_id, payments.rejection_reason_id, payments.tenders, '
    'payments.reference_number, '
    'payments.back_office_code, payments.received_on, payments.issued_on, payments.posted_on, '
    'payments.notes, payments.rejection_reason, payments.received_by_user, payments.received_by_unit, '
    'payments.invoices_to_pay, payments.bills_to_pay, payments.custom_attributes, '
    'payments.third_party_status, payments.created_by, payments.updated_by, payments.udf_string_1, '
    'payments.udf_string_2, payments.udf_string_3, payments.udf_string_4, payments.udf_string_5, '
    'payments.udf_string_6, payments.udf_string_7, payments.udf_string_8, payments.udf_float_1, '
    'payments.udf_float_2, payments.udf_float_3, payments.udf_float_4, payments.udf_date_1, '
    'payments.udf_date_2, payments.udf_date_3, payments.udf_date_4, payments.id, payments.tenant_id, '
    'payments.locator, payments.uuid, payments.version, payments.created_at, payments.updated_at'
)
_INVOICE_COLUMNS = (
    'invoices.number, invoices.customer_id, invoices.bill_run_type, invoices.bill_run_id, '
    'invoices.bill_id, invoices.issue_date, invoices.due_date, invoices.currency, invoices.total_minor, '
    'invoices.outstanding_minor, invoices.refunded_minor, invoices.written_off_minor, invoices.status, '
    'invoices.payment_status, invoices.reference_number, '
    'invoices.back_office_code, invoices.posted_at, invoices.cancelled_at, invoices.id, '
    'invoices.tenant_id, invoices.locator, invoices.uuid, invoices.version, invoices.created_at, '
    'invoices.updated_at'
)
_CUSTOMER_COLUMNS = (
    'customers.number, customers.name, customers.currency, customers.credit_threshold_minor, '
    'customers.credit_minor, customers.status, customers.contract_owner_id, customers.billing_cycle_id, '
    'customers.sub_brand_id, customers.reference_number, customers.id, customers.tenant_id, '
    'customers.locator, customers.uuid, customers.version, customers.created_at, customers.updated_at'
)
_ALLOCATION_COLUMNS = (
    'payment_allocations.id, payment_allocations.tenant_id, payment_allocations.payment_id, '
    'payment_allocations.invoice_id, payment_allocations.amount_minor, payment_allocations.refunded_minor, '
    'payment_allocations.created_at, payment_allocations.reversed_at'
)

PAYMENT_BY_ID = 'SELECT ' + _PAYMENT_COLUMNS + (
    ' \nFROM payments \nWHERE payments.tenant_id = %(tenant_id_1)s::UUID AND payments.id = %(id_1)s::BIGINT'
)
LIVE_ALLOCATIONS_OF_PAYMENTS = 'SELECT ' + _ALLOCATION_COLUMNS + (
    ' \nFROM payment_allocations \nWHERE payment_allocations.tenant_id = %(tenant_id_1)s::UUID AND '
    'payment_allocations.payment_id IN (%(payment_id_1_1)s::BIGINT) AND payment_allocations.reversed_at '
    'IS NULL ORDER BY payment_allocations.id'
)
CANCELLATIONS_OF_PAYMENTS = (
    'SELECT payment_cancellations.id, payment_cancellations.tenant_id, payment_cancellations.number, '
    'payment_cancellations.payment_id, payment_cancellations.type_id, payment_cancellations.category_id, '
    'payment_cancellations.amount_minor, payment_cancellations.currency, '
    'payment_cancellations.posted_on, payment_cancellations.notes, payment_cancellations.issue_reason, '
    'payment_cancellations.created_by, payment_cancellations.created_at \nFROM payment_cancellations '
    '\nWHERE payment_cancellations.tenant_id = %(tenant_id_1)s::UUID AND payment_cancellations.payment_id '
    'IN (%(payment_id_1_1)s::BIGINT)'
)
COUNT_PAYMENTS_OF_CUSTOMER = (
    'SELECT count(*) AS count_1 \nFROM (SELECT payments.number AS number, payments.customer_id AS '
    'customer_id, payments.currency AS currency, payments.amount_minor AS amount_minor, '
    'payments.unallocated_minor AS unallocated_minor, payments.refunded_minor AS refunded_minor, '
    'payments.status AS status, payments.payment_method '
    'AS payment_method, payments.type_id AS type_id, payments.category_id AS category_id, '
    'payments.rejection_reason_id AS rejection_reason_id, payments.tenders AS tenders, '
    'payments.reference_number AS reference_number, payments.back_office_code AS back_office_code, '
    'payments.received_on AS received_on, payments.issued_on AS issued_on, payments.posted_on AS '
    'posted_on, payments.notes AS notes, payments.rejection_reason AS rejection_reason, '
    'payments.received_by_user AS received_by_user, payments.received_by_unit AS received_by_unit, '
    'payments.invoices_to_pay AS invoices_to_pay, payments.bills_to_pay AS bills_to_pay, '
    'payments.custom_attributes AS custom_attributes, payments.third_party_status AS third_party_status, '
    'payments.created_by AS created_by, payments.updated_by AS updated_by, payments.udf_string_1 AS '
    'udf_string_1, payments.udf_string_2 AS udf_string_2, payments.udf_string_3 AS udf_string_3, '
    'payments.udf_string_4 AS udf_string_4, payments.udf_string_5 AS udf_string_5, payments.udf_string_6 '
    'AS udf_string_6, payments.udf_string_7 AS udf_string_7, payments.udf_string_8 AS udf_string_8, '
    'payments.udf_float_1 AS udf_float_1, payments.udf_float_2 AS udf_float_2, payments.udf_float_3 AS '
    'udf_float_3, payments.udf_float_4 AS udf_float_4, payments.udf_date_1 AS udf_date_1, '
    'payments.udf_date_2 AS udf_date_2, payments.udf_date_3 AS udf_date_3, payments.udf_date_4 AS '
    'udf_date_4, payments.id AS id, payments.tenant_id AS tenant_id, payments.locator AS locator, '
    'payments.uuid AS uuid, payments.version AS version, payments.created_at AS created_at, '
    'payments.updated_at AS updated_at \nFROM payments \nWHERE payments.tenant_id = %(tenant_id_1)s::UUID '
    'AND payments.customer_id = %(customer_id_1)s::BIGINT) AS anon_1'
)
PAGE_PAYMENTS_OF_CUSTOMER_RECEIVED_ON_DESC = 'SELECT ' + _PAYMENT_COLUMNS + (
    ' \nFROM payments \nWHERE payments.tenant_id = %(tenant_id_1)s::UUID AND payments.customer_id = '
    '%(customer_id_1)s::BIGINT ORDER BY payments.received_on DESC, payments.id ASC \n LIMIT '
    '%(param_1)s::INTEGER OFFSET %(param_2)s::INTEGER'
)
COUNT_CUSTOMERS = (
    'SELECT count(*) AS count_1 \nFROM (SELECT customers.id AS customer_id, customers.currency AS '
    'currency, customers.credit_threshold_minor AS threshold_minor, customers.credit_minor AS '
    'credit_minor \nFROM customers \nWHERE customers.tenant_id = %(tenant_id_1)s::UUID) AS anon_1'
)
PAGE_CREDIT_FIGURES = (
    'SELECT page.customer_id, page.currency, page.threshold_minor, (SELECT '
    'coalesce(sum(invoices.outstanding_minor), %(coalesce_2)s::INTEGER) AS coalesce_1 \nFROM invoices '
    '\nWHERE invoices.tenant_id = %(tenant_id_1)s::UUID AND invoices.customer_id = page.customer_id AND '
    'invoices.status = %(status_1)s) - page.credit_minor AS debt_minor, (SELECT '
    'coalesce(sum(invoices.total_minor), %(coalesce_4)s::INTEGER) AS coalesce_3 \nFROM invoices JOIN '
    'bill_runs ON bill_runs.tenant_id = invoices.tenant_id AND bill_runs.id = invoices.bill_run_id '
    '\nWHERE invoices.tenant_id = %(tenant_id_2)s::UUID AND invoices.customer_id = page.customer_id AND '
    'invoices.status = %(status_2)s AND bill_runs.status = %(status_3)s) AS open_bill_run_value_minor '
    '\nFROM (SELECT customers.id AS customer_id, customers.currency AS currency, '
    'customers.credit_threshold_minor AS threshold_minor, customers.credit_minor AS credit_minor \nFROM '
    'customers \nWHERE customers.tenant_id = %(tenant_id_3)s::UUID ORDER BY customer_id ASC, customer_id '
    'ASC \n LIMIT %(param_1)s::INTEGER OFFSET %(param_2)s::INTEGER) AS page ORDER BY page.customer_id '
    'ASC, page.customer_id ASC'
)
CUSTOMER = 'SELECT ' + _CUSTOMER_COLUMNS + (
    ' \nFROM customers \nWHERE customers.tenant_id = %(tenant_id_1)s::UUID AND customers.id = '
    '%(id_1)s::BIGINT'
)
SHORTFALL_TOLERANCE = (
    'SELECT shortfall_tolerances.tenant_id AS shortfall_tolerances_tenant_id, '
    'shortfall_tolerances.currency AS shortfall_tolerances_currency, shortfall_tolerances.amount_minor '
    'AS shortfall_tolerances_amount_minor, shortfall_tolerances.created_at AS '
    'shortfall_tolerances_created_at, shortfall_tolerances.updated_at AS shortfall_tolerances_updated_at '
    '\nFROM shortfall_tolerances \nWHERE shortfall_tolerances.tenant_id = %(pk_1)s::UUID AND '
    'shortfall_tolerances.currency = %(pk_2)s::VARCHAR'
)
CUSTOMER_FOR_UPDATE = 'SELECT ' + _CUSTOMER_COLUMNS + (
    ' \nFROM customers \nWHERE customers.tenant_id = %(tenant_id_1)s::UUID AND customers.id = '
    '%(id_1)s::BIGINT FOR NO KEY UPDATE'
)
DEFAULT_TRANSACTION_TYPE = (
    'SELECT financial_transaction_types.alternative_code, financial_transaction_types.classification, '
    'financial_transaction_types.name, financial_transaction_types.description, '
    'financial_transaction_types.active, financial_transaction_types.id, '
    'financial_transaction_types.tenant_id, financial_transaction_types.locator, '
    'financial_transaction_types.uuid, financial_transaction_types.version, '
    'financial_transaction_types.created_at, financial_transaction_types.updated_at \nFROM '
    'financial_transaction_types \nWHERE financial_transaction_types.tenant_id = %(tenant_id_1)s::UUID '
    'AND financial_transaction_types.classification = %(classification_1)s AND '
    'financial_transaction_types.active IS true ORDER BY financial_transaction_types.alternative_code != '
    '%(alternative_code_1)s::VARCHAR, financial_transaction_types.id \n LIMIT %(param_1)s::INTEGER'
)
PAYMENT_METHOD_SETTING = (
    'SELECT payment_methods.method, payment_methods.name, payment_methods.description, '
    'payment_methods.active, payment_methods.id, payment_methods.tenant_id, payment_methods.locator, '
    'payment_methods.uuid, payment_methods.version, payment_methods.created_at, '
    'payment_methods.updated_at \nFROM payment_methods \nWHERE payment_methods.tenant_id = '
    '%(tenant_id_1)s::UUID AND payment_methods.method = %(method_1)s'
)
NEXT_NUMBER = (
    'INSERT INTO number_sequences (tenant_id, kind, last_value) VALUES (%(tenant_id)s::UUID, '
    '%(kind)s::VARCHAR, %(last_value)s::BIGINT) ON CONFLICT (tenant_id, kind) DO UPDATE SET last_value = '
    '(number_sequences.last_value + %(last_value_1)s::BIGINT) RETURNING number_sequences.last_value'
)
INSERT_PAYMENT = (
    'INSERT INTO payments (number, customer_id, currency, amount_minor, unallocated_minor, refunded_minor, status, '
    'payment_method, type_id, category_id, rejection_reason_id, tenders, reference_number, '
    'back_office_code, received_on, issued_on, posted_on, notes, rejection_reason, received_by_user, '
    'received_by_unit, invoices_to_pay, bills_to_pay, custom_attributes, third_party_status, created_by, '
    'updated_by, udf_string_1, udf_string_2, udf_string_3, udf_string_4, udf_string_5, udf_string_6, '
    'udf_string_7, udf_string_8, udf_float_1, udf_float_2, udf_float_3, udf_float_4, udf_date_1, '
    'udf_date_2, udf_date_3, udf_date_4, tenant_id, locator, uuid, version, created_at, updated_at) '
    'VALUES (%(number)s::VARCHAR, %(customer_id)s::BIGINT, %(currency)s::VARCHAR, '
    '%(amount_minor)s::BIGINT, %(unallocated_minor)s::BIGINT, %(refunded_minor)s::BIGINT, %(status)s, '
    '%(payment_method)s, '
    '%(type_id)s::BIGINT, %(category_id)s::BIGINT, %(rejection_reason_id)s::BIGINT, %(tenders)s::JSON, '
    '%(reference_number)s::VARCHAR, %(back_office_code)s::VARCHAR, %(received_on)s::DATE, '
    '%(issued_on)s::DATE, %(posted_on)s::DATE, %(notes)s::VARCHAR, %(rejection_reason)s::VARCHAR, '
    '%(received_by_user)s::VARCHAR, %(received_by_unit)s::VARCHAR, %(invoices_to_pay)s::JSON, '
    '%(bills_to_pay)s::JSON, %(custom_attributes)s::JSON, %(third_party_status)s::VARCHAR, '
    '%(created_by)s::VARCHAR, %(updated_by)s::VARCHAR, %(udf_string_1)s::VARCHAR, '
    '%(udf_string_2)s::VARCHAR, %(udf_string_3)s::VARCHAR, %(udf_string_4)s::VARCHAR, '
    '%(udf_string_5)s::VARCHAR, %(udf_string_6)s::VARCHAR, %(udf_string_7)s::VARCHAR, '
    '%(udf_string_8)s::VARCHAR, %(udf_float_1)s, %(udf_float_2)s, %(udf_float_3)s, %(udf_float_4)s, '
    '%(udf_date_1)s::DATE, %(udf_date_2)s::DATE, %(udf_date_3)s::DATE, %(udf_date_4)s::DATE, '
    '%(tenant_id)s::UUID, %(locator)s::VARCHAR, %(uuid)s::UUID, %(version)s::INTEGER, '
    '%(created_at)s::TIMESTAMP WITH TIME ZONE, %(updated_at)s::TIMESTAMP WITH TIME ZONE) RETURNING '
    'payments.id'
)
OPEN_INVOICES_FOR_UPDATE = 'SELECT ' + _INVOICE_COLUMNS + (
    ' \nFROM invoices \nWHERE invoices.tenant_id = %(tenant_id_1)s::UUID AND invoices.customer_id = '
    '%(customer_id_1)s::BIGINT AND invoices.status = %(status_1)s AND invoices.outstanding_minor > '
    '%(outstanding_minor_1)s::BIGINT ORDER BY invoices.issue_date, invoices.id FOR NO KEY UPDATE'
)
UPDATE_INVOICE_OUTSTANDING = (
    'UPDATE invoices SET outstanding_minor=%(outstanding_minor)s::BIGINT, '
    'payment_status=%(payment_status)s, version=%(version)s::INTEGER, '
    'updated_at=%(updated_at)s::TIMESTAMP WITH TIME ZONE WHERE invoices.id = %(invoices_id)s::BIGINT AND '
    'invoices.version = %(invoices_version)s::INTEGER'
)
INSERT_JOURNAL_ENTRIES = (
    'INSERT INTO journal_entries (tenant_id, customer_id, invoice_id, payment_id, adjustment_id, refund_id, '
    'credit_id, kind, currency, balance_delta, credit_delta, outstanding_delta, created_at) SELECT p0::UUID, '
    'p1::BIGINT, p2::BIGINT, p3::BIGINT, p4::BIGINT, p5::BIGINT, p6::BIGINT, p7::VARCHAR, p8::VARCHAR, '
    'p9::BIGINT, p10::BIGINT, p11::BIGINT, p12::TIMESTAMP WITH TIME ZONE FROM (VALUES '
    '(%(tenant_id__0)s::UUID, %(customer_id__0)s::BIGINT, %(invoice_id__0)s::BIGINT, '
    '%(payment_id__0)s::BIGINT, %(adjustment_id__0)s::BIGINT, %(refund_id__0)s::BIGINT, '
    '%(credit_id__0)s::BIGINT, %(kind__0)s, %(currency__0)s::VARCHAR, %(balance_delta__0)s::BIGINT, '
    '%(credit_delta__0)s::BIGINT, %(outstanding_delta__0)s::BIGINT, %(created_at__0)s::TIMESTAMP WITH TIME '
    'ZONE, 0)) AS imp_sen(p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, sen_counter) ORDER BY '
    'sen_counter RETURNING journal_entries.id, journal_entries.id AS id__1'
)
# One row: SQLAlchemy's plain INSERT, not the "insertmanyvalues" form.
INSERT_JOURNAL_ENTRY = (
    'INSERT INTO journal_entries (tenant_id, customer_id, invoice_id, payment_id, adjustment_id, refund_id, '
    'credit_id, kind, currency, balance_delta, credit_delta, outstanding_delta, created_at) VALUES '
    '(%(tenant_id)s::UUID, %(customer_id)s::BIGINT, %(invoice_id)s::BIGINT, %(payment_id)s::BIGINT, '
    '%(adjustment_id)s::BIGINT, %(refund_id)s::BIGINT, %(credit_id)s::BIGINT, %(kind)s, %(currency)s::VARCHAR, '
    '%(balance_delta)s::BIGINT, %(credit_delta)s::BIGINT, %(outstanding_delta)s::BIGINT, '
    '%(created_at)s::TIMESTAMP WITH TIME ZONE) RETURNING journal_entries.id'
)
UPDATE_PAYMENT_POSTED = (
    'UPDATE payments SET status=%(status)s, posted_on=%(posted_on)s::DATE, version=%(version)s::INTEGER, '
    'updated_at=%(updated_at)s::TIMESTAMP WITH TIME ZONE WHERE payments.id = %(payments_id)s::BIGINT AND '
    'payments.version = %(payments_version)s::INTEGER'
)
INSERT_ALLOCATIONS = (
    'INSERT INTO payment_allocations (tenant_id, payment_id, invoice_id, amount_minor, refunded_minor, '
    'created_at, reversed_at) SELECT p0::UUID, p1::BIGINT, p2::BIGINT, p3::BIGINT, p4::BIGINT, '
    'p5::TIMESTAMP WITH TIME ZONE, p6::TIMESTAMP WITH TIME ZONE FROM (VALUES (%(tenant_id__0)s::UUID, '
    '%(payment_id__0)s::BIGINT, %(invoice_id__0)s::BIGINT, %(amount_minor__0)s::BIGINT, '
    '%(refunded_minor__0)s::BIGINT, %(created_at__0)s::TIMESTAMP WITH TIME ZONE, '
    '%(reversed_at__0)s::TIMESTAMP WITH TIME ZONE, 0)) AS imp_sen(p0, p1, p2, p3, p4, p5, p6, sen_counter) '
    'ORDER BY sen_counter RETURNING payment_allocations.id, payment_allocations.id AS id__1'
)
_CREDIT_INSERT_COLUMNS = (
    'INSERT INTO credits (tenant_id, locator, type, state, customer_id, payment_id, parent_id, amount_minor, '
    'currency, description, created_by, created_at, realized_at, reversed_at, reversal_reason) '
)
# The payment's credit: one row, flushed first (its id is the subpayments' parent_id).
INSERT_CREDIT = _CREDIT_INSERT_COLUMNS + (
    'VALUES (%(tenant_id)s::UUID, %(locator)s::VARCHAR, %(type)s, %(state)s, %(customer_id)s::BIGINT, '
    '%(payment_id)s::BIGINT, %(parent_id)s::BIGINT, %(amount_minor)s::BIGINT, %(currency)s::VARCHAR, '
    '%(description)s::VARCHAR, %(created_by)s::VARCHAR, %(created_at)s::TIMESTAMP WITH TIME ZONE, '
    '%(realized_at)s::TIMESTAMP WITH TIME ZONE, %(reversed_at)s::TIMESTAMP WITH TIME ZONE, '
    '%(reversal_reason)s::VARCHAR) RETURNING credits.id'
)
# The subpayments (one per allocation), then their targets.
INSERT_CREDITS = _CREDIT_INSERT_COLUMNS + (
    'SELECT p0::UUID, p1::VARCHAR, p2::VARCHAR, p3::VARCHAR, p4::BIGINT, p5::BIGINT, p6::BIGINT, p7::BIGINT, '
    'p8::VARCHAR, p9::VARCHAR, p10::VARCHAR, p11::TIMESTAMP WITH TIME ZONE, p12::TIMESTAMP WITH TIME ZONE, '
    'p13::TIMESTAMP WITH TIME ZONE, p14::VARCHAR FROM (VALUES (%(tenant_id__0)s::UUID, '
    '%(locator__0)s::VARCHAR, %(type__0)s, %(state__0)s, %(customer_id__0)s::BIGINT, '
    '%(payment_id__0)s::BIGINT, %(parent_id__0)s::BIGINT, %(amount_minor__0)s::BIGINT, '
    '%(currency__0)s::VARCHAR, %(description__0)s::VARCHAR, %(created_by__0)s::VARCHAR, '
    '%(created_at__0)s::TIMESTAMP WITH TIME ZONE, %(realized_at__0)s::TIMESTAMP WITH TIME ZONE, '
    '%(reversed_at__0)s::TIMESTAMP WITH TIME ZONE, %(reversal_reason__0)s::VARCHAR, 0)) AS imp_sen(p0, p1, '
    'p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, sen_counter) ORDER BY sen_counter RETURNING '
    'credits.id, credits.id AS id__1'
)
INSERT_CREDIT_TARGETS = (
    'INSERT INTO credit_targets (tenant_id, credit_id, invoice_id, amount_minor) SELECT p0::UUID, p1::BIGINT, '
    'p2::BIGINT, p3::BIGINT FROM (VALUES (%(tenant_id__0)s::UUID, %(credit_id__0)s::BIGINT, '
    '%(invoice_id__0)s::BIGINT, %(amount_minor__0)s::BIGINT, 0)) AS imp_sen(p0, p1, p2, p3, sen_counter) '
    'ORDER BY sen_counter RETURNING credit_targets.id, credit_targets.id AS id__1'
)
FIRST_ALLOCATED_INVOICE = (
    'SELECT payment_allocations.payment_id, invoices.id, invoices.number \nFROM payment_allocations JOIN '
    '(SELECT payment_allocations.payment_id AS payment_id, min(payment_allocations.id) AS first_id \nFROM '
    'payment_allocations \nWHERE payment_allocations.tenant_id = %(tenant_id_1)s::UUID AND '
    'payment_allocations.payment_id IN (%(payment_id_1_1)s::BIGINT) GROUP BY '
    'payment_allocations.payment_id) AS anon_1 ON payment_allocations.id = anon_1.first_id JOIN invoices '
    'ON invoices.id = payment_allocations.invoice_id'
)
CUSTOMER_BALANCE = (
    'SELECT customers.credit_minor - (SELECT coalesce(sum(invoices.outstanding_minor), '
    '%(coalesce_2)s::INTEGER) AS coalesce_1 \nFROM invoices \nWHERE invoices.tenant_id = '
    '%(tenant_id_1)s::UUID AND invoices.customer_id = %(customer_id_1)s::BIGINT AND invoices.status = '
    '%(status_1)s AND invoices.outstanding_minor > %(outstanding_minor_1)s::BIGINT) AS anon_1 \nFROM '
    'customers \nWHERE customers.tenant_id = %(tenant_id_2)s::UUID AND customers.id = %(id_1)s::BIGINT'
)
CUSTOMER_ID_OF_PAYMENT = (
    'SELECT payments.customer_id \nFROM payments \nWHERE payments.tenant_id = %(tenant_id_1)s::UUID AND '
    'payments.id = %(id_1)s::BIGINT'
)
PAYMENT_FOR_UPDATE = 'SELECT ' + _PAYMENT_COLUMNS + (
    ' \nFROM payments \nWHERE payments.tenant_id = %(tenant_id_1)s::UUID AND payments.id = '
    '%(id_1)s::BIGINT FOR NO KEY UPDATE'
)
ACTIVE_ALLOCATIONS = 'SELECT ' + _ALLOCATION_COLUMNS + (
    ' \nFROM payment_allocations \nWHERE payment_allocations.tenant_id = %(tenant_id_1)s::UUID AND '
    'payment_allocations.payment_id = %(payment_id_1)s::BIGINT AND payment_allocations.reversed_at IS '
    'NULL ORDER BY payment_allocations.id'
)
ACTIVE_SHORTFALL_CREDITS = (
    'SELECT credits.id, credits.tenant_id, credits.locator, credits.type, credits.state, '
    'credits.customer_id, credits.payment_id, credits.parent_id, credits.amount_minor, credits.currency, '
    'credits.description, credits.created_by, credits.created_at, credits.realized_at, credits.reversed_at, '
    'credits.reversal_reason \nFROM credits \nWHERE credits.tenant_id = %(tenant_id_1)s::UUID AND '
    'credits.payment_id = %(payment_id_1)s::BIGINT AND credits.type = %(type_1)s AND credits.state != '
    '%(state_1)s ORDER BY credits.id'
)
INVOICES_FOR_UPDATE = 'SELECT ' + _INVOICE_COLUMNS + (
    ' \nFROM invoices \nWHERE invoices.tenant_id = %(tenant_id_1)s::UUID AND invoices.id IN '
    '(%(id_1_1)s::BIGINT) ORDER BY invoices.id FOR NO KEY UPDATE'
)
UPDATE_PAYMENT_CANCELLED = (
    'UPDATE payments SET status=%(status)s, version=%(version)s::INTEGER, '
    'updated_at=%(updated_at)s::TIMESTAMP WITH TIME ZONE WHERE payments.id = %(payments_id)s::BIGINT AND '
    'payments.version = %(payments_version)s::INTEGER'
)
REVERSE_PAYMENT_CREDITS = (
    'UPDATE credits SET state=%(state)s, reversed_at=%(reversed_at)s::TIMESTAMP WITH TIME ZONE, '
    'reversal_reason=%(reversal_reason)s::VARCHAR WHERE credits.tenant_id = %(tenant_id_1)s::UUID AND '
    'credits.payment_id = %(payment_id_1)s::BIGINT AND credits.type IN (%(type_1_1)s, %(type_1_2)s) AND '
    'credits.state != %(state_1)s'
)
REVERSE_ALLOCATION = (
    'UPDATE payment_allocations SET reversed_at=%(reversed_at)s::TIMESTAMP WITH TIME ZONE WHERE '
    'payment_allocations.id = %(payment_allocations_id)s::BIGINT'
)
INSERT_CANCELLATION = (
    'INSERT INTO payment_cancellations (tenant_id, number, payment_id, type_id, category_id, '
    'amount_minor, currency, posted_on, notes, issue_reason, created_by, created_at) VALUES '
    '(%(tenant_id)s::UUID, %(number)s::VARCHAR, %(payment_id)s::BIGINT, %(type_id)s::BIGINT, '
    '%(category_id)s::BIGINT, %(amount_minor)s::BIGINT, %(currency)s::VARCHAR, %(posted_on)s::DATE, '
    '%(notes)s::VARCHAR, %(issue_reason)s::VARCHAR, %(created_by)s::VARCHAR, %(created_at)s::TIMESTAMP '
    'WITH TIME ZONE) RETURNING payment_cancellations.id'
)
