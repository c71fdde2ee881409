"""The floor: a minimal FastAPI + psycopg app running Ledgerline's SQL for each measured endpoint.

It sends the statements of ``bench/floor_sql.py`` (the ones Ledgerline sends, in the same order,
the number taken in its own short transaction as Ledgerline does), applies the same rules in a
few lines each and answers the same JSON. The tenant's default transaction types and switched-off
payment methods it reads once, at startup (``Context``), and again only when the settings version read
with the customer lock is newer, as Ledgerline's per-process TenantContext does. What it leaves out
is what a floor should: no token check (the tenant comes from ``FLOOR_TENANT``), no validation
beyond what the bench sends, no ORM, no pydantic models, no idempotency keys. So ``Ledgerline / floor`` is the share of the
cheapest possible server on the same SQL that Ledgerline achieves. The same app also serves the
fixed floors (``/fixed/...``, ``bench/fixed_floor.py``), which do not follow Ledgerline's SQL.

Served the way Ledgerline is: ``uvicorn bench.floor_app:create_app --factory --workers N
--no-access-log`` with ``FLOOR_DATABASE_URL`` (a ``postgresql://`` conninfo) and ``FLOOR_TENANT``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import uuid
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import simplejson
from fastapi import FastAPI, Request, Response
from psycopg.rows import dict_row
from psycopg.types.json import Json
from psycopg_pool import AsyncConnectionPool
from ulid import ULID

from bench import floor_sql as sql
from bench.fixed_floor import EXPONENTS, add_fixed_routes
from bench.sqlcapture import normalize

CURRENCY_IDS = {"GBP": 826, "EUR": 978, "USD": 840, "JPY": 392, "BHD": 48}
UDF = ([f"udf_string_{n}" for n in range(1, 9)] + [f"udf_float_{n}" for n in range(1, 5)]
       + [f"udf_date_{n}" for n in range(1, 5)])
UDF_WIRE = [name.replace("udf_string_", "udfString").replace("udf_float_", "udfFloat").replace("udf_date_", "udfDate")
            for name in UDF]

# When a list, every statement's shape is appended to it (the SQL check of bench/run.py).
RECORDED: list[str] | None = None


async def run(conn, statement: str, params: dict[str, Any] | None = None):  # noqa: ANN001, ANN201
    if RECORDED is not None:
        RECORDED.append(normalize(statement))
    return await conn.execute(statement, params)


async def one(conn, statement: str, params: dict[str, Any]) -> dict[str, Any] | None:  # noqa: ANN001
    return await (await run(conn, statement, params)).fetchone()


async def rows(conn, statement: str, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: ANN001
    return await (await run(conn, statement, params)).fetchall()


def major(minor: int, currency: str) -> Decimal:
    return Decimal(int(minor)).scaleb(-EXPONENTS[currency])


def stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def dumps(content: Any) -> bytes:
    return simplejson.dumps(content, use_decimal=True, ensure_ascii=False, separators=(",", ":")).encode()


def json_response(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(content), status_code=status, headers=headers, media_type="application/json")


def error(status: int, message: str) -> Response:
    reason = {404: "Not Found", 409: "Conflict", 400: "Bad Request"}.get(status, "Error")
    return json_response({"error": reason, "message": message, "errors": []}, status)


def payment_json(p: dict[str, Any], allocations: list[dict[str, Any]], cancellation: dict[str, Any] | None) -> dict:
    currency = p["currency"]
    body: dict[str, Any] = {
        "id": p["id"], "locator": p["locator"], "uuid": str(p["uuid"]), "number": p["number"],
        "customerId": p["customer_id"], "currency": currency,
        "amountInMajorCurrency": major(p["amount_minor"], currency),
        "unallocatedInMajorCurrency": major(p["unallocated_minor"], currency),
        "status": p["status"], "paymentMethod": p["payment_method"], "typeId": p["type_id"],
        "categoryId": p["category_id"],
        "tenders": [{"method": t["method"], "processor": t.get("processor"), "reference": t.get("reference"),
                     "amountInMajorCurrency": major(int(t["amountMinor"]), currency)} for t in p["tenders"]],
        "referenceNumber": p["reference_number"], "backOfficeCode": p["back_office_code"],
        "receivedOn": day(p["received_on"]), "issuedOn": day(p["issued_on"]), "postedOn": day(p["posted_on"]),
        "notes": p["notes"], "rejectionReason": p["rejection_reason"], "rejectionReasonId": p["rejection_reason_id"],
        "receivedByUser": p["received_by_user"], "receivedByUnit": p["received_by_unit"],
        "invoicesToPay": p["invoices_to_pay"], "billsToPay": p["bills_to_pay"],
        "allocations": [{"invoiceId": a["invoice_id"], "amountInMajorCurrency": major(a["amount_minor"],
                                                                                       a["currency"])}
                        for a in allocations],
        "cancellation": None if cancellation is None else {
            "id": cancellation["id"], "number": cancellation["number"], "typeId": cancellation["type_id"],
            "categoryId": cancellation["category_id"], "postedOn": day(cancellation["posted_on"]),
            "amountInMajorCurrency": major(cancellation["amount_minor"], currency), "notes": cancellation["notes"],
            "issueReason": cancellation["issue_reason"]},
        "customAttributes": p["custom_attributes"], "thirdPartyStatus": p["third_party_status"],
        "version": p["version"], "createdBy": p["created_by"], "updatedBy": p["updated_by"],
        "createdAt": stamp(p["created_at"]), "updatedAt": stamp(p["updated_at"]),
    }
    body.update({wire: p[name] for wire, name in zip(UDF_WIRE, UDF)})
    for wire, name in zip(UDF_WIRE[12:], UDF[12:]):
        body[wire] = day(p[name])
    return body


async def payment_views(conn, tenant: uuid.UUID, payments: list[dict[str, Any]]) -> list[dict]:  # noqa: ANN001
    ids = [p["id"] for p in payments]
    if not ids:
        return []
    allocations: dict[int, list] = {i: [] for i in ids}
    cur = await run(conn, sql.in_list(sql.ALLOCATION_LINES_OF_PAYMENTS, "payment_id_1", len(ids)),
                    {"tenant_id_1": tenant, **sql.in_params("payment_id_1", ids)})
    for row in await cur.fetchall():
        allocations[row["payment_id"]].append(row)
    cur = await run(conn, sql.in_list(sql.CANCELLATIONS_OF_PAYMENTS, "payment_id_1", len(ids)),
                    {"tenant_id_1": tenant, **sql.in_params("payment_id_1", ids)})
    cancellations = {row["payment_id"]: row for row in await cur.fetchall()}
    return [payment_json(p, allocations[p["id"]], cancellations.get(p["id"])) for p in payments]


def link_header(request: Request, page: int, page_size: int, total: int) -> str:
    last = max(1, -(-total // page_size))
    params = dict(request.query_params)

    def url(number: int) -> str:
        return str(request.url.replace(query=urlencode({**params, "page": number, "pageSize": page_size})))

    links = [f'<{url(1)}>; rel="first"']
    if page > 1:
        links.append(f'<{url(min(page - 1, last))}>; rel="prev"')
    if page < last:
        links.append(f'<{url(page + 1)}>; rel="next"')
    links.append(f'<{url(last)}>; rel="last"')
    return ", ".join(links)


try:   # gap-allowed numbers reserved this many at a time per tenant and kind, per process, as Ledgerline does
    from ledgerline.kit.repository import NUMBER_BLOCK_SIZE
except ImportError:   # a Ledgerline that takes them one at a time
    NUMBER_BLOCK_SIZE = 1
_BLOCKS: dict[tuple[uuid.UUID, str], tuple[int, int]] = {}   # (tenant, kind) -> (next, last) of this process's block
_BLOCKS_LOCK = asyncio.Lock()


async def next_number(pool: AsyncConnectionPool, tenant: uuid.UUID, kind: str, prefix: str) -> str:
    """Ledgerline takes these numbers on another connection, in a short transaction of their own that moves
    the counter ``NUMBER_BLOCK_SIZE`` on, and hands the block out from memory."""
    async with _BLOCKS_LOCK:
        following, last = _BLOCKS.get((tenant, kind), (1, 0))
        if following > last:
            async with pool.connection() as conn, conn.transaction():
                cur = await run(conn, sql.NEXT_NUMBER, {"tenant_id": tenant, "kind": kind,
                                                        "last_value": NUMBER_BLOCK_SIZE,
                                                        "last_value_1": NUMBER_BLOCK_SIZE})
                last = (await cur.fetchone())["last_value"]
            following = last - NUMBER_BLOCK_SIZE + 1
        _BLOCKS[(tenant, kind)] = (following + 1, last)
    return f"{prefix}-{following:07d}"


def payment_status_of(total: int, outstanding: int) -> str:
    return "PAID" if outstanding == 0 else "UNPAID" if outstanding == total else "PARTIALLY_PAID"


class Context:
    """What Ledgerline's TenantContext gives the money path, read once per process (not per request) and
    again when the settings version read with the customer lock is newer: the default transaction type
    of each classification and the payment methods switched off."""

    def __init__(self) -> None:
        self.version = -1
        self.default_types: dict[str, int] = {}
        self.disabled: frozenset[str] = frozenset()

    async def load(self, conn, tenant: uuid.UUID) -> None:  # noqa: ANN001
        self.version = (await (await conn.execute("SELECT settings_version FROM tenants WHERE id = %s",
                                                  (tenant,))).fetchone())["settings_version"]
        types = await (await conn.execute(
            "SELECT id, classification, alternative_code FROM financial_transaction_types "
            "WHERE tenant_id = %s AND active ORDER BY alternative_code != classification::text, id",
            (tenant,))).fetchall()
        self.default_types = {}
        for row in types:
            self.default_types.setdefault(row["classification"], row["id"])
        self.disabled = frozenset(row["method"] for row in await (await conn.execute(
            "SELECT method FROM payment_methods WHERE tenant_id = %s AND active IS false", (tenant,))).fetchall())

    async def at_version(self, conn, tenant: uuid.UUID, version: int) -> Context:  # noqa: ANN001
        if version != self.version:
            await self.load(conn, tenant)
        return self


async def journal(conn, entries: list[dict[str, Any]]) -> None:  # noqa: ANN001
    await run(conn, sql.multi_values(sql.INSERT_JOURNAL_ENTRIES, len(entries)), sql.multi_params(entries))


async def change_invoices(conn, tenant: uuid.UUID, changes: list[tuple[int, int, str]], now: dt.datetime) -> None:  # noqa: ANN001
    """(id, outstanding, payment status) of each invoice, its version incremented: one UPDATE."""
    await run(conn, sql.values_table(sql.UPDATE_INVOICES, len(changes)),
              {"version_1": 1, "updated_at": now, **sql.table_params(changes), "tenant_id_1": tenant})


async def record_events(conn, tenant: uuid.UUID, customer_id: int, now: dt.datetime,  # noqa: ANN001
                        documents: list[tuple[str, dict[str, Any]]]) -> None:
    """A request's events in the outbox, one INSERT (events/repository.insert_events)."""
    await run(conn, sql.events_rows(sql.INSERT_EVENTS, len(documents)), sql.events_params([
        {"tenant_id": tenant, "type": kind, "customer_id": customer_id, "data": dumps(document).decode(),
         "created_at": now} for kind, document in documents]))


def entry(tenant: uuid.UUID, customer_id: int, kind: str, now: dt.datetime, *, balance: int = 0, credit: int = 0,
          outstanding: int = 0, invoice_id: int | None = None, payment_id: int | None = None) -> dict[str, Any]:
    return {"tenant_id": tenant, "customer_id": customer_id, "currency": "GBP", "kind": kind,
            "balance_delta": balance, "credit_delta": credit, "outstanding_delta": outstanding,
            "invoice_id": invoice_id, "payment_id": payment_id, "adjustment_id": None, "refund_id": None,
            "credit_id": None, "created_at": now}


def create_app() -> FastAPI:
    conninfo = os.environ["FLOOR_DATABASE_URL"]
    tenant = uuid.UUID(os.environ["FLOOR_TENANT"])
    subject = os.environ.get("FLOOR_SUBJECT", "bench")
    pool_size = int(os.environ.get("FLOOR_POOL_SIZE", "10"))

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        pool = AsyncConnectionPool(conninfo, min_size=2, max_size=pool_size, open=False,
                                   kwargs={"row_factory": dict_row})
        await pool.open()
        app.state.pool = pool
        app.state.context = Context()
        async with pool.connection() as conn:
            await app.state.context.load(conn, tenant)
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    @app.get("/v1/payments/{payment_id}")
    async def get_payment(payment_id: int, request: Request) -> Response:
        async with request.app.state.pool.connection() as conn:
            payment = await one(conn, sql.PAYMENT_BY_ID, {"tenant_id_1": tenant, "id_1": payment_id})
            if payment is None:
                return error(404, f"Payment {payment_id} not found")
            body = (await payment_views(conn, tenant, [payment]))[0]
        return json_response(body, headers={"ETag": f'"{payment["version"]}"'})

    @app.get("/v1/payments")
    async def list_payments(request: Request, customerId: int, sort: str = "receivedOn:desc", page: int = 1,  # noqa: N803
                            pageSize: int = 100) -> Response:  # noqa: N803
        if sort != "receivedOn:desc":
            return error(400, "the floor knows only sort=receivedOn:desc")
        async with request.app.state.pool.connection() as conn:
            params = {"tenant_id_1": tenant, "customer_id_1": customerId}
            total = (await one(conn, sql.COUNT_PAYMENTS_OF_CUSTOMER, params))["count_1"]
            cur = await run(conn, sql.PAGE_PAYMENTS_OF_CUSTOMER_RECEIVED_ON_DESC,
                            {**params, "param_1": pageSize, "param_2": (page - 1) * pageSize})
            rows = await payment_views(conn, tenant, await cur.fetchall())
        return json_response(rows, headers={"X-Total-Count": str(total),
                                            "Link": link_header(request, page, pageSize, total)})

    @app.get("/v1/customer-credit-status")
    async def credit_status(request: Request, page: int = 1, pageSize: int = 100) -> Response:  # noqa: N803
        async with request.app.state.pool.connection() as conn:
            total = (await one(conn, sql.COUNT_CUSTOMERS, {"tenant_id_1": tenant}))["count_1"]
            cur = await run(conn, sql.PAGE_CREDIT_FIGURES, {
                "coalesce_2": 0, "tenant_id_1": tenant, "status_1": "POSTED", "coalesce_4": 0, "tenant_id_2": tenant,
                "status_2": "DRAFT", "status_3": "OPEN", "tenant_id_3": tenant, "param_1": pageSize,
                "param_2": (page - 1) * pageSize})
            rows = []
            for row in await cur.fetchall():
                currency, threshold, debt = row["currency"], row["threshold_minor"], int(row["debt_minor"])
                percentage = Decimal("0.00")   # nothing to measure against (balances.service)
                if threshold > 0:   # half-even to 2 decimals, integers only (balances.service)
                    hundredths, remainder = divmod(abs(debt) * 10000, threshold)
                    if 2 * remainder > threshold or (2 * remainder == threshold and hundredths % 2 == 1):
                        hundredths += 1
                    percentage = Decimal(-hundredths if debt < 0 else hundredths).scaleb(-2)
                rows.append({"customerId": row["customer_id"], "id": row["customer_id"], "name": row["name"],
                             "creditThreshold": major(threshold, currency),
                             "billAmount": major(debt, currency), "valueDifference": major(threshold - debt, currency),
                             "percentageDifference": percentage,
                             "openBillRunValue": major(int(row["open_bill_run_value_minor"]), currency)})
        return json_response(rows, headers={"X-Total-Count": str(total),
                                            "Link": link_header(request, page, pageSize, total)})

    @app.post("/v1/customer-payments", status_code=201)
    async def customer_payment(request: Request) -> Response:
        body = json.loads(await request.body(), parse_float=Decimal)
        customer_id, method = int(body["customerId"]), body["type"]
        pool: AsyncConnectionPool = request.app.state.pool
        async with pool.connection() as conn, conn.transaction():
            customer = await one(conn, sql.LOCK_CUSTOMER, {"tenant_id_1": tenant, "id_1": customer_id})
            if customer is None:
                return error(400, f"customer {customer_id} does not exist")
            context = await request.app.state.context.at_version(conn, tenant, customer["settings_version"])
            currency = customer["currency"]
            amount = int(Decimal(body["amountInMajorCurrency"]).scaleb(EXPONENTS[currency]))
            if method in context.disabled:
                return error(400, f"payment method {method} is deactivated in this tenant")
            number = await next_number(pool, tenant, "payment", "PAY")
            now = dt.datetime.now(dt.timezone.utc)
            today = now.date()
            invoices = await rows(conn, sql.LOCK_OPEN_INVOICES, {
                "tenant_id_1": tenant, "customer_id_1": customer_id, "status_1": "POSTED", "outstanding_minor_1": 0})
            remaining, plan = amount, []
            for invoice in invoices:   # oldest first; nothing intended, no tolerance to apply
                if remaining == 0:
                    break
                applied = min(remaining, invoice["outstanding_minor"])
                plan.append((invoice, applied))
                remaining -= applied
            if remaining:
                return error(409, "the floor only allocates payments that leave no credit")
            ids = await one(conn, sql.RESERVE_PAYMENT_AND_CREDIT_IDS, {
                "pg_get_serial_sequence_1": "payments", "pg_get_serial_sequence_2": "id", "generate_series_1": 1,
                "generate_series_2": 1, "pg_get_serial_sequence_3": "credits", "pg_get_serial_sequence_4": "id",
                "generate_series_3": 1, "generate_series_4": 1 + len(plan)})
            payment_id, credit_ids = ids["payments"][0], ids["credits"]
            tenders = [{"method": method, "processor": None, "reference": None, "amountMinor": amount}]
            payment = {
                "number": number, "customer_id": customer_id, "currency": currency, "amount_minor": amount,
                "unallocated_minor": 0, "refunded_minor": 0, "credit_applied_minor": 0, "gift_applied_minor": 0,
                "status": "POSTED", "payment_method": method,
                "type_id": context.default_types["PAYMENT"], "category_id": None, "rejection_reason_id": None,
                "tenders": Json(tenders), "reference_number": body.get("reference"), "back_office_code": None,
                "received_on": today, "issued_on": today, "posted_on": today, "notes": body.get("description"),
                "rejection_reason": None, "received_by_user": None, "received_by_unit": None,
                "invoices_to_pay": Json([]), "bills_to_pay": Json([]), "custom_attributes": Json([]),
                "third_party_status": None, "created_by": subject, "updated_by": subject, **dict.fromkeys(UDF),
                "id": payment_id, "tenant_id": tenant, "locator": str(ULID()), "uuid": uuid.uuid4(), "version": 1,
                "created_at": now, "updated_at": now}
            await run(conn, sql.multi_values(sql.INSERT_PAYMENTS, 1), sql.multi_params([payment]))
            await run(conn, sql.multi_values(sql.INSERT_ALLOCATIONS, len(plan)), sql.multi_params([
                {"tenant_id": tenant, "payment_id": payment_id, "invoice_id": invoice["id"], "amount_minor": applied,
                 "refunded_minor": 0, "created_at": now, "reversed_at": None} for invoice, applied in plan]))
            await journal(conn, [entry(tenant, customer_id, "PAYMENT_POSTED", now, balance=amount, credit=amount,
                                       payment_id=payment_id)]
                          + [entry(tenant, customer_id, "ALLOCATION", now, credit=-applied, outstanding=-applied,
                                   invoice_id=invoice["id"], payment_id=payment_id) for invoice, applied in plan])
            parent = credit_ids[0]   # the payment's credit; a subpayment credit per allocation, each one target
            credits = [(parent, "payment", None, amount)] + [
                (child, "subpayment", parent, applied) for child, (_, applied) in zip(credit_ids[1:], plan)]
            await run(conn, sql.multi_values(sql.INSERT_CREDITS, len(credits)), sql.multi_params([
                {"id": credit_id, "tenant_id": tenant, "locator": str(ULID()), "type": kind, "state": "posted",
                 "customer_id": customer_id, "payment_id": payment_id, "parent_id": parent_id,
                 "amount_minor": credit_minor, "currency": currency, "description": None, "created_by": subject,
                 "created_at": now, "realized_at": now, "reversed_at": None, "reversal_reason": None}
                for credit_id, kind, parent_id, credit_minor in credits]))
            await run(conn, sql.multi_values(sql.INSERT_CREDIT_TARGETS, len(plan)), sql.multi_params([
                {"tenant_id": tenant, "credit_id": child, "invoice_id": invoice["id"], "amount_minor": applied}
                for child, (invoice, applied) in zip(credit_ids[1:], plan)]))
            changes = [(invoice["id"], invoice["outstanding_minor"] - applied,
                        payment_status_of(invoice["total_minor"], invoice["outstanding_minor"] - applied))
                       for invoice, applied in plan]
            await change_invoices(conn, tenant, changes, now)
            # The outbox: payment.posted with the payment as GET /v1/payments/{id} renders it, and invoice.paid
            # for each invoice it leaves owing nothing (payments.service), in one INSERT.
            posted = payment_json({**payment, "tenders": tenders, "invoices_to_pay": [], "bills_to_pay": [],
                                   "custom_attributes": []}, [
                {"invoice_id": invoice["id"], "amount_minor": applied, "currency": currency}
                for invoice, applied in plan], None)
            await record_events(conn, tenant, customer_id, now, [("payment.posted", posted)] + [
                ("invoice.paid", {"id": invoice["id"], "number": invoice["number"], "customerId": customer_id,
                                  "currency": currency, "totalInMajorCurrency": major(invoice["total_minor"], currency),
                                  "outstandingInMajorCurrency": major(0, currency), "status": "POSTED",
                                  "paymentStatus": "PAID", "paidByPaymentId": payment_id})
                for (invoice, _), (_, outstanding, _) in zip(plan, changes) if outstanding == 0])
        # The balance after, from the rows locked: credit minus what the open invoices still owe.
        owed = sum(invoice["outstanding_minor"] for invoice in invoices) - amount
        first = plan[0][0] if plan else None
        answer = {"id": payment_id, "customerId": customer_id, "amountInMajorCurrency": major(amount, currency),
                  "resultingCustomerBalance": major(customer["credit_minor"] - owed, currency),
                  "currencyId": CURRENCY_IDS.get(currency), "description": body.get("description"),
                  "reference": body.get("reference"), "type": method, "paymentDate": today.isoformat(),
                  "customerPaymentType": "CUSTOMER", "txnType": "PAYMENT",
                  "invoiceNumber": first["number"] if first else None, "invoiceId": first["id"] if first else None,
                  "billRunType": body.get("billRunType")}
        return json_response(answer, 201, headers={"Location": f"/v1/payments/{payment_id}"})

    @app.post("/v1/payments/{payment_id}/cancel")
    async def cancel_payment(payment_id: int, request: Request) -> Response:
        pool: AsyncConnectionPool = request.app.state.pool
        async with pool.connection() as conn, conn.transaction():
            customer = await one(conn, sql.LOCK_CUSTOMER_OF_PAYMENT, {"tenant_id_1": tenant, "id_1": payment_id})
            payment = customer and await one(conn, sql.PAYMENT_FOR_UPDATE, {"tenant_id_1": tenant, "id_1": payment_id})
            if customer is None or payment is None:
                return error(404, f"Payment {payment_id} not found")
            context = await request.app.state.context.at_version(conn, tenant, customer["settings_version"])
            if payment["status"] != "POSTED":
                return error(409, f"payment {payment_id} is {payment['status']}; only a POSTED payment can be cancelled")
            if payment["refunded_minor"] or payment["unallocated_minor"]:
                return error(409, "the floor only cancels payments that left no credit and were not refunded")
            now = dt.datetime.now(dt.timezone.utc)
            parts = await rows(conn, sql.LIVE_PARTS, {
                "param_1": "a", "tenant_id_1": tenant, "payment_id_1": payment_id, "param_2": "s", "tenant_id_2": tenant,
                "payment_id_2": payment_id, "type_1": "shortfallWriteOff", "state_1": "reversed"})
            if any(part["part"] == "s" for part in parts):
                return error(409, "the floor does not reverse shortfall write-offs")
            ids = sorted({part["invoice_id"] for part in parts})
            invoices = {invoice["id"]: invoice for invoice in await rows(
                conn, sql.in_list(sql.LOCK_INVOICES, "id_1", len(ids)), {"tenant_id_1": tenant, **sql.in_params("id_1", ids)})}
            amount = payment["amount_minor"]
            cancellation = {
                "tenant_id": tenant, "number": await next_number(pool, tenant, "payment_cancellation", "PCN"),
                "payment_id": payment_id, "type_id": context.default_types["PAYMENT_CANCELLATION"],
                "category_id": payment["category_id"], "amount_minor": amount, "currency": payment["currency"],
                "posted_on": now.date(), "notes": None, "issue_reason": None, "created_by": subject, "created_at": now}
            cancellation["id"] = (await one(conn, sql.INSERT_CANCELLATION, cancellation))["id"]
            await journal(conn, [entry(tenant, customer["id"], "ALLOCATION_REVERSED", now, credit=part["amount_minor"],
                                       outstanding=part["amount_minor"], invoice_id=part["invoice_id"],
                                       payment_id=payment_id) for part in parts]
                          + [entry(tenant, customer["id"], "PAYMENT_CANCELLED", now, balance=-amount, credit=-amount,
                                   payment_id=payment_id)])
            await run(conn, sql.in_list(sql.REVERSE_ALLOCATIONS, "id_1", len(parts)),
                      {"reversed_at": now, "tenant_id_1": tenant, **sql.in_params("id_1", [p["id"] for p in parts])})
            await run(conn, sql.REVERSE_CREDITS, {
                "state": "reversed", "reversed_at": now, "reversal_reason": "payment cancelled", "tenant_id_1": tenant,
                "payment_id_1": payment_id, "state_1": "reversed"})
            reopened: dict[int, int] = {}
            for part in parts:
                reopened[part["invoice_id"]] = reopened.get(part["invoice_id"], 0) + part["amount_minor"]
            await change_invoices(conn, tenant, [
                (invoice_id, invoices[invoice_id]["outstanding_minor"] + delta,
                 payment_status_of(invoices[invoice_id]["total_minor"], invoices[invoice_id]["outstanding_minor"] + delta))
                for invoice_id, delta in reopened.items()], now)
            await run(conn, sql.CANCEL_PAYMENT, {
                "unallocated_minor": 0, "status": "CANCELLED", "updated_by": subject, "version_1": 1, "updated_at": now,
                "tenant_id_1": tenant, "id_1": payment_id})
            payment.update(status="CANCELLED", unallocated_minor=0, version=payment["version"] + 1, updated_at=now,
                           updated_by=subject)
            # The answer from what was written: no live allocations are left, the cancellation as inserted; the
            # outbox's payment.cancelled carries the same document.
            cancelled = payment_json(payment, [], cancellation)
            await record_events(conn, tenant, customer["id"], now, [("payment.cancelled", cancelled)])
        return json_response(cancelled, headers={"ETag": f'"{payment["version"]}"'})

    add_fixed_routes(app)   # the fixed floors (bench/fixed_floor.py) on the same workers and pool
    return app
