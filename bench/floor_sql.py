"""The SQL of each measured endpoint, as Ledgerline (SQLAlchemy 2.0, psycopg 3) sends it.

Taken from a capture of Ledgerline's statements: ``bench/show_sql.py`` prints them for every measured
request, names the constant of this file each one matches and prints any other as a literal to paste
here; ``make bench`` captures them again on every run and fails its SQL check if the floor's
statements differ in shape. So the floor app and the pgbench scripts send the very same statements,
with psycopg's ``%(name)s`` parameters. Statements whose shape depends on a count are kept for one
item and widened exactly as SQLAlchemy widens them: ``in_list`` (an ``IN`` list of ``name_1 ..
name_<n>``), ``multi_values`` (a multi-row ``INSERT ... VALUES``, parameters ``<column>_m<row>``) and
``values_table`` (the ``FROM (VALUES ...)`` of a multi-row ``UPDATE``, parameters ``param_<n>``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def in_list(sql: str, name: str, count: int) -> str:
    """``IN (%(name_1)s::BIGINT)`` widened to ``count`` parameters ``name_1 .. name_<count>``."""
    one = f"(%({name}_1)s::BIGINT)"
    assert one in sql, name
    return sql.replace(one, "(" + ", ".join(f"%({name}_{n})s::BIGINT" for n in range(1, count + 1)) + ")")


def in_params(name: str, values: Sequence[object]) -> dict[str, object]:
    return {f"{name}_{n}": value for n, value in enumerate(values, start=1)}


_FIRST_ROW = re.compile(r"VALUES (\((?:[^()]|%\(\w+\)s)*\))")


def multi_values(sql: str, count: int) -> str:
    """A one-row ``INSERT ... VALUES (%(a_m0)s, ...)`` as SQLAlchemy writes it for ``count`` rows."""
    row = _FIRST_ROW.search(sql)
    assert row is not None and "_m0)s" in row.group(1), sql[:60]
    rows = ", ".join(row.group(1).replace("_m0)s", f"_m{n})s") for n in range(count))
    return sql[:row.start(1)] + rows + sql[row.end(1):]


def multi_params(rows: Sequence[dict[str, object]]) -> dict[str, object]:
    return {f"{column}_m{n}": value for n, row in enumerate(rows) for column, value in row.items()}


_TABLE = re.compile(r"FROM \(VALUES (\((?:[^()]|%\(\w+\)s)*\))\)")
_PARAM_N = re.compile(r"%\(param_(\d+)\)s")


def values_table(sql: str, count: int) -> str:
    """A one-row ``FROM (VALUES (%(param_1)s, .., %(param_w)s))`` as SQLAlchemy writes it for ``count``
    rows: the parameters of row ``n`` (from 0) are ``param_<n*w+1> .. param_<n*w+w>``."""
    row = _TABLE.search(sql)
    assert row is not None, sql[:60]
    width = len(_PARAM_N.findall(row.group(1)))
    rows = ", ".join(_PARAM_N.sub(lambda m: f"%(param_{int(m.group(1)) + n * width})s", row.group(1))
                     for n in range(count))
    return sql[:row.start(1)] + rows + sql[row.end(1):]


def table_params(rows: Sequence[Sequence[object]]) -> dict[str, object]:
    """``param_1 ..`` of ``values_table``: each row's values in the order of its columns."""
    return {f"param_{n}": value for n, value in enumerate((v for row in rows for v in row), start=1)}


def _first_row(sql: str) -> tuple[int, int]:
    """Where the first row of ``VALUES (...)`` starts and ends, parentheses inside it (subqueries) included."""
    start = sql.index("VALUES (") + len("VALUES ")
    depth = 0
    for end in range(start, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[end], 0)
        if depth == 0:
            return start, end + 1
    raise ValueError(sql[:60])


_NUMBERED_NAME = re.compile(r"%\(((?!\w+_m\d+\))\w+?)_(\d+)\)s|\b(anon)_(\d+)\b")


def events_rows(sql: str, count: int) -> str:
    """A one-row ``INSERT`` whose row holds a subquery (``INSERT_EVENTS``), as SQLAlchemy writes it for ``count``
    rows: ``<column>_m<row>`` as in ``multi_values``, and each numbered name of the subquery (``coalesce_1``,
    ``tenant_id_1``, ``anon_1``) numbered on: row ``n`` has ``name_<k*n+1> .. name_<k*n+k>`` where row 0 has
    ``name_1 .. name_k``."""
    start, end = _first_row(sql)
    row = sql[start:end]
    widths: dict[str, int] = {}
    for match in _NUMBERED_NAME.finditer(row):
        name, number = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        widths[name] = max(widths.get(name, 0), int(number))

    def numbered(n: int) -> str:
        def renumber(match: re.Match[str]) -> str:
            if match.group(1):
                return f"%({match.group(1)}_{int(match.group(2)) + n * widths[match.group(1)]})s"
            return f"anon_{int(match.group(4)) + n * widths['anon']}"
        return _NUMBERED_NAME.sub(renumber, row.replace("_m0)s", f"_m{n})s"))

    return sql[:start] + ", ".join(numbered(n) for n in range(count)) + sql[end:]


def events_params(rows: Sequence[dict[str, object]]) -> dict[str, object]:
    """The parameters of ``events_rows``: each row's tenant_id, type, customer_id, data and created_at. A
    customer's k-th row of the INSERT is its last sequence plus k (``coalesce_<2n+2>``), as
    events/repository.insert_events numbers them: every row's subquery sees only the rows before the INSERT."""
    params: dict[str, object] = {}
    seen: dict[object, int] = {}
    for n, row in enumerate(rows):
        seen[row["customer_id"]] = seen.get(row["customer_id"], 0) + 1
        params.update({f"{column}_m{n}": row[column] for column in ("tenant_id", "type", "customer_id", "data",
                                                                     "created_at")})
        params.update({f"coalesce_{2 * n + 1}": 0, f"coalesce_{2 * n + 2}": seen[row["customer_id"]],
                       f"tenant_id_{n + 1}": row["tenant_id"], f"customer_id_{n + 1}": row["customer_id"]})
    return params


# Column lists several statements share, as SQLAlchemy writes them.

_PAYMENT_COLUMNS = (
    'payments.number, payments.customer_id, payments.currency, payments.amount_minor, '
    'payments.unallocated_minor, payments.refunded_minor, payments.credit_applied_minor, '
    'payments.gift_applied_minor, payments.status, payments.payment_method, '
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

# GET /v1/payments/{id}, and the page of GET /v1/payments: the payments, their live allocations with
# their invoices' numbers, their cancellations.
PAYMENT_BY_ID = 'SELECT ' + _PAYMENT_COLUMNS + (
    ' \nFROM payments \nWHERE payments.tenant_id = %(tenant_id_1)s::UUID AND payments.id = %(id_1)s::BIGINT'
)

ALLOCATION_LINES_OF_PAYMENTS = (
    'SELECT payment_allocations.payment_id, payment_allocations.invoice_id, invoices.number, '
    'payment_allocations.amount_minor, invoices.currency \nFROM payment_allocations JOIN invoices ON '
    'invoices.tenant_id = payment_allocations.tenant_id AND invoices.id = payment_allocations.invoice_id '
    '\nWHERE payment_allocations.tenant_id = %(tenant_id_1)s::UUID AND payment_allocations.payment_id IN '
    '(%(payment_id_1_1)s::BIGINT) AND payment_allocations.reversed_at IS NULL ORDER BY '
    'payment_allocations.id'
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

# GET /v1/payments?customerId=..: the total, then the page.
COUNT_PAYMENTS_OF_CUSTOMER = (
    'SELECT count(*) AS count_1 \nFROM (SELECT payments.number AS number, payments.customer_id AS '
    'customer_id, payments.currency AS currency, payments.amount_minor AS amount_minor, '
    'payments.unallocated_minor AS unallocated_minor, payments.refunded_minor AS refunded_minor, '
    'payments.credit_applied_minor AS credit_applied_minor, payments.gift_applied_minor AS '
    'gift_applied_minor, payments.status AS status, payments.payment_method '
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

# GET /v1/customer-credit-status
COUNT_CUSTOMERS = (
    'SELECT count(*) AS count_1 \nFROM (SELECT customers.id AS customer_id, customers.name AS name, '
    'customers.currency AS currency, customers.credit_threshold_minor AS threshold_minor, '
    'customers.credit_minor AS credit_minor \nFROM customers \nWHERE customers.tenant_id = '
    '%(tenant_id_1)s::UUID) AS anon_1'
)

PAGE_CREDIT_FIGURES = (
    'SELECT page.customer_id, page.name, page.currency, page.threshold_minor, (SELECT '
    'coalesce(sum(invoices.outstanding_minor), %(coalesce_2)s::INTEGER) AS coalesce_1 \nFROM invoices '
    '\nWHERE invoices.tenant_id = %(tenant_id_1)s::UUID AND invoices.customer_id = page.customer_id AND '
    'invoices.status = %(status_1)s) - page.credit_minor AS debt_minor, (SELECT '
    'coalesce(sum(invoices.total_minor), %(coalesce_4)s::INTEGER) AS coalesce_3 \nFROM invoices JOIN '
    'bill_runs ON bill_runs.tenant_id = invoices.tenant_id AND bill_runs.id = invoices.bill_run_id '
    '\nWHERE invoices.tenant_id = %(tenant_id_2)s::UUID AND invoices.customer_id = page.customer_id AND '
    'invoices.status = %(status_2)s AND bill_runs.status = %(status_3)s) AS open_bill_run_value_minor '
    '\nFROM (SELECT customers.id AS customer_id, customers.name AS name, customers.currency AS currency, '
    'customers.credit_threshold_minor AS threshold_minor, customers.credit_minor AS credit_minor \nFROM '
    'customers \nWHERE customers.tenant_id = %(tenant_id_3)s::UUID ORDER BY customer_id ASC, customer_id '
    'ASC \n LIMIT %(param_1)s::INTEGER OFFSET %(param_2)s::INTEGER) AS page ORDER BY page.customer_id '
    'ASC, page.customer_id ASC'
)

# POST /v1/customer-payments: the customer locked (with its tenant's settings version), the open invoices
# locked, the new ids, then one statement per table written. NEXT_NUMBER: a block of numbers, taken in a
# short transaction of its own on another connection when the process has used up its last one.
LOCK_CUSTOMER = (
    'SELECT customers.id, customers.currency, customers.credit_minor, tenants.settings_version \nFROM '
    'customers JOIN tenants ON tenants.id = customers.tenant_id \nWHERE customers.tenant_id = '
    '%(tenant_id_1)s::UUID AND customers.id = %(id_1)s::BIGINT FOR NO KEY UPDATE OF customers'
)

NEXT_NUMBER = (
    'INSERT INTO number_sequences (tenant_id, kind, last_value) VALUES (%(tenant_id)s::UUID, '
    '%(kind)s::VARCHAR, %(last_value)s::BIGINT) ON CONFLICT (tenant_id, kind) DO UPDATE SET last_value = '
    '(number_sequences.last_value + %(last_value_1)s::BIGINT) RETURNING number_sequences.last_value'
)

LOCK_OPEN_INVOICES = (
    'SELECT invoices.id, invoices.number, invoices.customer_id, invoices.status, invoices.issue_date, '
    'invoices.total_minor, invoices.outstanding_minor, invoices.refunded_minor, '
    'invoices.written_off_minor \nFROM invoices \nWHERE invoices.tenant_id = %(tenant_id_1)s::UUID AND '
    'invoices.customer_id = %(customer_id_1)s::BIGINT AND invoices.status = %(status_1)s AND '
    'invoices.outstanding_minor > %(outstanding_minor_1)s::BIGINT ORDER BY invoices.issue_date, '
    'invoices.id FOR NO KEY UPDATE'
)

RESERVE_PAYMENT_AND_CREDIT_IDS = (
    'SELECT array((SELECT nextval(pg_get_serial_sequence(%(pg_get_serial_sequence_1)s, '
    '%(pg_get_serial_sequence_2)s::VARCHAR)) AS nextval_1 \nFROM '
    'generate_series(%(generate_series_1)s::INTEGER, %(generate_series_2)s::INTEGER))) AS payments, '
    'array((SELECT nextval(pg_get_serial_sequence(%(pg_get_serial_sequence_3)s, '
    '%(pg_get_serial_sequence_4)s::VARCHAR)) AS nextval_2 \nFROM '
    'generate_series(%(generate_series_3)s::INTEGER, %(generate_series_4)s::INTEGER))) AS credits'
)

INSERT_PAYMENTS = (
    'INSERT INTO payments (number, customer_id, currency, amount_minor, unallocated_minor, '
    'refunded_minor, credit_applied_minor, gift_applied_minor, status, payment_method, type_id, '
    'category_id, rejection_reason_id, tenders, reference_number, back_office_code, received_on, '
    'issued_on, posted_on, notes, rejection_reason, received_by_user, received_by_unit, invoices_to_pay, '
    'bills_to_pay, custom_attributes, third_party_status, created_by, updated_by, udf_string_1, '
    'udf_string_2, udf_string_3, udf_string_4, udf_string_5, udf_string_6, udf_string_7, udf_string_8, '
    'udf_float_1, udf_float_2, udf_float_3, udf_float_4, udf_date_1, udf_date_2, udf_date_3, udf_date_4, '
    'id, tenant_id, locator, uuid, version, created_at, updated_at) VALUES (%(number_m0)s::VARCHAR, '
    '%(customer_id_m0)s::BIGINT, %(currency_m0)s::VARCHAR, %(amount_minor_m0)s::BIGINT, '
    '%(unallocated_minor_m0)s::BIGINT, %(refunded_minor_m0)s::BIGINT, '
    '%(credit_applied_minor_m0)s::BIGINT, %(gift_applied_minor_m0)s::BIGINT, %(status_m0)s, '
    '%(payment_method_m0)s, %(type_id_m0)s::BIGINT, %(category_id_m0)s::BIGINT, '
    '%(rejection_reason_id_m0)s::BIGINT, %(tenders_m0)s::JSON, %(reference_number_m0)s::VARCHAR, '
    '%(back_office_code_m0)s::VARCHAR, %(received_on_m0)s::DATE, %(issued_on_m0)s::DATE, '
    '%(posted_on_m0)s::DATE, %(notes_m0)s::VARCHAR, %(rejection_reason_m0)s::VARCHAR, '
    '%(received_by_user_m0)s::VARCHAR, %(received_by_unit_m0)s::VARCHAR, %(invoices_to_pay_m0)s::JSON, '
    '%(bills_to_pay_m0)s::JSON, %(custom_attributes_m0)s::JSON, %(third_party_status_m0)s::VARCHAR, '
    '%(created_by_m0)s::VARCHAR, %(updated_by_m0)s::VARCHAR, %(udf_string_1_m0)s::VARCHAR, '
    '%(udf_string_2_m0)s::VARCHAR, %(udf_string_3_m0)s::VARCHAR, %(udf_string_4_m0)s::VARCHAR, '
    '%(udf_string_5_m0)s::VARCHAR, %(udf_string_6_m0)s::VARCHAR, %(udf_string_7_m0)s::VARCHAR, '
    '%(udf_string_8_m0)s::VARCHAR, %(udf_float_1_m0)s, %(udf_float_2_m0)s, %(udf_float_3_m0)s, '
    '%(udf_float_4_m0)s, %(udf_date_1_m0)s::DATE, %(udf_date_2_m0)s::DATE, %(udf_date_3_m0)s::DATE, '
    '%(udf_date_4_m0)s::DATE, %(id_m0)s::BIGINT, %(tenant_id_m0)s::UUID, %(locator_m0)s::VARCHAR, '
    '%(uuid_m0)s::UUID, %(version_m0)s::INTEGER, %(created_at_m0)s::TIMESTAMP WITH TIME ZONE, '
    '%(updated_at_m0)s::TIMESTAMP WITH TIME ZONE)'
)

INSERT_ALLOCATIONS = (
    'INSERT INTO payment_allocations (tenant_id, payment_id, invoice_id, amount_minor, refunded_minor, '
    'created_at, reversed_at) VALUES (%(tenant_id_m0)s::UUID, %(payment_id_m0)s::BIGINT, '
    '%(invoice_id_m0)s::BIGINT, %(amount_minor_m0)s::BIGINT, %(refunded_minor_m0)s::BIGINT, '
    '%(created_at_m0)s::TIMESTAMP WITH TIME ZONE, %(reversed_at_m0)s::TIMESTAMP WITH TIME ZONE)'
)

INSERT_JOURNAL_ENTRIES = (
    'INSERT INTO journal_entries (tenant_id, customer_id, invoice_id, payment_id, adjustment_id, '
    'refund_id, credit_id, kind, currency, balance_delta, credit_delta, outstanding_delta, created_at) '
    'VALUES (%(tenant_id_m0)s::UUID, %(customer_id_m0)s::BIGINT, %(invoice_id_m0)s::BIGINT, '
    '%(payment_id_m0)s::BIGINT, %(adjustment_id_m0)s::BIGINT, %(refund_id_m0)s::BIGINT, '
    '%(credit_id_m0)s::BIGINT, %(kind_m0)s, %(currency_m0)s::VARCHAR, %(balance_delta_m0)s::BIGINT, '
    '%(credit_delta_m0)s::BIGINT, %(outstanding_delta_m0)s::BIGINT, %(created_at_m0)s::TIMESTAMP WITH '
    'TIME ZONE)'
)

INSERT_CREDITS = (
    'INSERT INTO credits (id, tenant_id, locator, type, state, customer_id, payment_id, parent_id, '
    'amount_minor, currency, description, created_by, created_at, realized_at, reversed_at, '
    'reversal_reason) VALUES (%(id_m0)s::BIGINT, %(tenant_id_m0)s::UUID, %(locator_m0)s::VARCHAR, '
    '%(type_m0)s, %(state_m0)s, %(customer_id_m0)s::BIGINT, %(payment_id_m0)s::BIGINT, '
    '%(parent_id_m0)s::BIGINT, %(amount_minor_m0)s::BIGINT, %(currency_m0)s::VARCHAR, '
    '%(description_m0)s::VARCHAR, %(created_by_m0)s::VARCHAR, %(created_at_m0)s::TIMESTAMP WITH TIME '
    'ZONE, %(realized_at_m0)s::TIMESTAMP WITH TIME ZONE, %(reversed_at_m0)s::TIMESTAMP WITH TIME ZONE, '
    '%(reversal_reason_m0)s::VARCHAR)'
)

INSERT_CREDIT_TARGETS = (
    'INSERT INTO credit_targets (tenant_id, credit_id, invoice_id, amount_minor) VALUES '
    '(%(tenant_id_m0)s::UUID, %(credit_id_m0)s::BIGINT, %(invoice_id_m0)s::BIGINT, '
    '%(amount_minor_m0)s::BIGINT)'
)

UPDATE_INVOICES = (
    'UPDATE invoices SET outstanding_minor=changes.outstanding_minor, '
    'payment_status=changes.payment_status, version=(invoices.version + %(version_1)s::INTEGER), '
    'updated_at=%(updated_at)s::TIMESTAMP WITH TIME ZONE FROM (VALUES (%(param_1)s::BIGINT, '
    '%(param_2)s::BIGINT, %(param_3)s)) AS changes (id, outstanding_minor, payment_status) WHERE '
    'invoices.tenant_id = %(tenant_id_1)s::UUID AND invoices.id = changes.id'
)

# The outbox (events/repository.insert_events): a request's events in one INSERT as its transaction commits,
# each row numbering its event in the customer's sequence with a subquery (``events_rows`` widens it).
INSERT_EVENTS = (
    'INSERT INTO events (tenant_id, type, customer_id, sequence, data, created_at) VALUES '
    '(%(tenant_id_m0)s::UUID, %(type_m0)s::VARCHAR, %(customer_id_m0)s::BIGINT, (SELECT '
    'coalesce(max(events.sequence), %(coalesce_1)s::INTEGER) + %(coalesce_2)s::BIGINT AS anon_1 \nFROM '
    'events \nWHERE events.tenant_id = %(tenant_id_1)s::UUID AND events.customer_id = '
    '%(customer_id_1)s::BIGINT), %(data_m0)s::VARCHAR, %(created_at_m0)s::TIMESTAMP WITH TIME ZONE)'
)

# POST /v1/payments/{id}/cancel: the customer locked through its payment, the payment, its live parts,
# their invoices, the number; then the writes (the journal and the invoices with the statements above).
LOCK_CUSTOMER_OF_PAYMENT = (
    'SELECT customers.id, customers.currency, customers.credit_minor, tenants.settings_version \nFROM '
    'customers JOIN tenants ON tenants.id = customers.tenant_id JOIN payments ON payments.tenant_id = '
    'customers.tenant_id AND payments.customer_id = customers.id \nWHERE payments.tenant_id = '
    '%(tenant_id_1)s::UUID AND payments.id = %(id_1)s::BIGINT FOR NO KEY UPDATE OF customers'
)

PAYMENT_FOR_UPDATE = 'SELECT ' + _PAYMENT_COLUMNS + (
    ' \nFROM payments \nWHERE payments.tenant_id = %(tenant_id_1)s::UUID AND payments.id = '
    '%(id_1)s::BIGINT FOR NO KEY UPDATE'
)

LIVE_PARTS = (
    'SELECT %(param_1)s::VARCHAR AS part, payment_allocations.id, payment_allocations.invoice_id, '
    'payment_allocations.amount_minor \nFROM payment_allocations \nWHERE payment_allocations.tenant_id = '
    '%(tenant_id_1)s::UUID AND payment_allocations.payment_id = %(payment_id_1)s::BIGINT AND '
    'payment_allocations.reversed_at IS NULL UNION ALL SELECT %(param_2)s::VARCHAR AS part, credits.id, '
    'credit_targets.invoice_id, credit_targets.amount_minor \nFROM credits JOIN credit_targets ON '
    'credit_targets.tenant_id = credits.tenant_id AND credit_targets.credit_id = credits.id \nWHERE '
    'credits.tenant_id = %(tenant_id_2)s::UUID AND credits.payment_id = %(payment_id_2)s::BIGINT AND '
    'credits.type = %(type_1)s AND credits.state != %(state_1)s ORDER BY part, id'
)

LOCK_INVOICES = (
    'SELECT invoices.id, invoices.number, invoices.customer_id, invoices.status, invoices.issue_date, '
    'invoices.total_minor, invoices.outstanding_minor, invoices.refunded_minor, '
    'invoices.written_off_minor \nFROM invoices \nWHERE invoices.tenant_id = %(tenant_id_1)s::UUID AND '
    'invoices.id IN (%(id_1_1)s::BIGINT) ORDER BY invoices.id FOR NO KEY UPDATE'
)

INSERT_CANCELLATION = (
    'INSERT INTO payment_cancellations (tenant_id, number, payment_id, type_id, category_id, '
    'amount_minor, currency, posted_on, notes, issue_reason, created_by, created_at) VALUES '
    '(%(tenant_id)s::UUID, %(number)s::VARCHAR, %(payment_id)s::BIGINT, %(type_id)s::BIGINT, '
    '%(category_id)s::BIGINT, %(amount_minor)s::BIGINT, %(currency)s::VARCHAR, %(posted_on)s::DATE, '
    '%(notes)s::VARCHAR, %(issue_reason)s::VARCHAR, %(created_by)s::VARCHAR, %(created_at)s::TIMESTAMP '
    'WITH TIME ZONE) RETURNING payment_cancellations.id'
)

REVERSE_ALLOCATIONS = (
    'UPDATE payment_allocations SET reversed_at=%(reversed_at)s::TIMESTAMP WITH TIME ZONE WHERE '
    'payment_allocations.tenant_id = %(tenant_id_1)s::UUID AND payment_allocations.id IN '
    '(%(id_1_1)s::BIGINT)'
)

REVERSE_CREDITS = (
    'UPDATE credits SET state=%(state)s, reversed_at=%(reversed_at)s::TIMESTAMP WITH TIME ZONE, '
    'reversal_reason=%(reversal_reason)s::VARCHAR WHERE credits.tenant_id = %(tenant_id_1)s::UUID AND '
    'credits.payment_id = %(payment_id_1)s::BIGINT AND credits.state != %(state_1)s'
)

CANCEL_PAYMENT = (
    'UPDATE payments SET unallocated_minor=%(unallocated_minor)s::BIGINT, status=%(status)s, '
    'updated_by=%(updated_by)s::VARCHAR, version=(payments.version + %(version_1)s::INTEGER), '
    'updated_at=%(updated_at)s::TIMESTAMP WITH TIME ZONE WHERE payments.tenant_id = %(tenant_id_1)s::UUID '
    'AND payments.id = %(id_1)s::BIGINT'
)

# The statements of each measured request in the order a warm Ledgerline process sends them
# (bench/show_sql.py compares a capture with these); the floor app sends them in this order, the pgbench
# scripts too, except that the cancel script first reads its plan row. Numbers come from blocks a process
# reserves (floor_app.NUMBER_BLOCK_SIZE at a time): a request that finds its block used up takes the next
# one first (NEXT_NUMBER, on another connection, with its own COMMIT), in the post after LOCK_CUSTOMER, in
# the cancel after LOCK_INVOICES; the pgbench scripts take theirs before BEGIN.
SEQUENCES = {
    "get": ["PAYMENT_BY_ID", "ALLOCATION_LINES_OF_PAYMENTS", "CANCELLATIONS_OF_PAYMENTS"],
    "list": ["COUNT_PAYMENTS_OF_CUSTOMER", "PAGE_PAYMENTS_OF_CUSTOMER_RECEIVED_ON_DESC",
             "ALLOCATION_LINES_OF_PAYMENTS", "CANCELLATIONS_OF_PAYMENTS"],
    "credit": ["COUNT_CUSTOMERS", "PAGE_CREDIT_FIGURES"],
    "post": ["LOCK_CUSTOMER", "LOCK_OPEN_INVOICES", "RESERVE_PAYMENT_AND_CREDIT_IDS", "INSERT_PAYMENTS",
             "INSERT_ALLOCATIONS", "INSERT_JOURNAL_ENTRIES", "INSERT_CREDITS", "INSERT_CREDIT_TARGETS",
             "UPDATE_INVOICES", "INSERT_EVENTS"],
    "cancel": ["LOCK_CUSTOMER_OF_PAYMENT", "PAYMENT_FOR_UPDATE", "LIVE_PARTS", "LOCK_INVOICES",
               "INSERT_CANCELLATION", "INSERT_JOURNAL_ENTRIES", "REVERSE_ALLOCATIONS", "REVERSE_CREDITS",
               "UPDATE_INVOICES", "CANCEL_PAYMENT", "INSERT_EVENTS"],
}
