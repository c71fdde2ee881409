"""The floor: a minimal FastAPI + psycopg app running Ledgerline's SQL for each measured endpoint.

It sends the statements of ``bench/floor_sql.py`` (the ones Ledgerline sends, in the same order,
the number taken in its own short transaction as Ledgerline does), applies the same rules in a
few lines each and answers the same JSON. What it leaves out is what a floor should: no token
check (the tenant comes from ``FLOOR_TENANT``), no validation beyond what the bench sends, no
ORM, no pydantic models, no idempotency keys. So ``Ledgerline / floor`` is the share of the
cheapest possible server on the same SQL that Ledgerline achieves. The same app also serves the
fixed floors (``/fixed/...``, ``bench/fixed_floor.py``), which do not follow Ledgerline's SQL.

Served the way Ledgerline is: ``uvicorn bench.floor_app:create_app --factory --workers N
--no-access-log`` with ``FLOOR_DATABASE_URL`` (a ``postgresql://`` conninfo) and ``FLOOR_TENANT``.
"""

from __future__ import annotations

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
    reason = {404: "Not Found", 409: "Conflict", 422: "Unprocessable Entity"}.get(status, "Error")
    return json_response({"error": reason, "message": message, "errors": []}, status)


def payment_json(p: dict[str, Any], allocations: list[dict[str, Any]], cancellation: dict[str, Any] | None) -> dict:
    currency = p["currency"]
    body: dict[str, Any] = {wire: p[name] for wire, name in zip(UDF_WIRE, UDF)}
    for wire, name in zip(UDF_WIRE[12:], UDF[12:]):
        body[wire] = day(p[name])
    body.update({
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
        "allocations": [{"invoiceId": a["invoice_id"], "amountInMajorCurrency": major(a["amount_minor"], currency)}
                        for a in allocations],
        "cancellation": None if cancellation is None else {
            "id": cancellation["id"], "number": cancellation["number"], "typeId": cancellation["type_id"],
            "categoryId": cancellation["category_id"], "postedOn": day(cancellation["posted_on"]),
            "amountInMajorCurrency": major(cancellation["amount_minor"], currency), "notes": cancellation["notes"],
            "issueReason": cancellation["issue_reason"]},
        "customAttributes": p["custom_attributes"], "thirdPartyStatus": p["third_party_status"],
        "version": p["version"], "createdBy": p["created_by"], "updatedBy": p["updated_by"],
        "createdAt": stamp(p["created_at"]), "updatedAt": stamp(p["updated_at"]),
    })
    return body


async def payment_views(conn, tenant: uuid.UUID, payments: list[dict[str, Any]]) -> list[dict]:  # noqa: ANN001
    ids = [p["id"] for p in payments]
    if not ids:
        return []
    allocations: dict[int, list] = {i: [] for i in ids}
    cur = await run(conn, sql.in_list(sql.LIVE_ALLOCATIONS_OF_PAYMENTS, "payment_id_1", len(ids)),
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


async def next_number(pool: AsyncConnectionPool, tenant: uuid.UUID, kind: str, prefix: str) -> str:
    """Ledgerline takes these numbers in a short transaction of their own, on another connection."""
    async with pool.connection() as conn, conn.transaction():
        cur = await run(conn, sql.NEXT_NUMBER, {"tenant_id": tenant, "kind": kind, "last_value": 1, "last_value_1": 1})
        value = (await cur.fetchone())["last_value"]
    return f"{prefix}-{value:07d}"


def payment_status_of(total: int, outstanding: int) -> str:
    return "PAID" if outstanding == 0 else "UNPAID" if outstanding == total else "PARTIALLY_PAID"


async def update_outstanding(conn, invoice: dict[str, Any], delta: int, now: dt.datetime) -> None:  # noqa: ANN001
    outstanding = invoice["outstanding_minor"] + delta
    cur = await run(conn, sql.UPDATE_INVOICE_OUTSTANDING, {
        "outstanding_minor": outstanding, "payment_status": payment_status_of(invoice["total_minor"], outstanding),
        "version": invoice["version"] + 1, "updated_at": now, "invoices_id": invoice["id"],
        "invoices_version": invoice["version"]})
    if cur.rowcount != 1:
        raise RuntimeError(f"invoice {invoice['id']} changed concurrently")


async def journal(conn, entries: list[dict[str, Any]]) -> None:  # noqa: ANN001
    await run(conn, sql.values_rows(sql.INSERT_JOURNAL_ENTRIES, len(entries)), sql.row_params(entries))


def entry(tenant: uuid.UUID, customer_id: int, kind: str, *, balance: int = 0, credit: int = 0, outstanding: int = 0,
          invoice_id: int | None = None, payment_id: int | None = None) -> dict[str, Any]:
    return {"tenant_id": tenant, "customer_id": customer_id, "invoice_id": invoice_id, "payment_id": payment_id,
            "adjustment_id": None, "refund_id": None, "credit_id": None, "kind": kind, "currency": "GBP",
            "balance_delta": balance, "credit_delta": credit, "outstanding_delta": outstanding, "created_at": dt.datetime.now(dt.timezone.utc)}


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
                percentage = None
                if threshold > 0:   # half-even to 2 decimals, integers only (balances.service)
                    hundredths, remainder = divmod(abs(debt) * 10000, threshold)
                    if 2 * remainder > threshold or (2 * remainder == threshold and hundredths % 2 == 1):
                        hundredths += 1
                    percentage = Decimal(-hundredths if debt < 0 else hundredths).scaleb(-2)
                rows.append({"customerId": row["customer_id"], "creditThreshold": major(threshold, currency),
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
            customer = await one(conn, sql.CUSTOMER, {"tenant_id_1": tenant, "id_1": customer_id})
            if customer is None:
                return error(422, f"customer {customer_id} does not exist")
            currency = customer["currency"]
            amount = int(Decimal(body["amountInMajorCurrency"]).scaleb(EXPONENTS[currency]))
            await run(conn, sql.SHORTFALL_TOLERANCE, {"pk_1": tenant, "pk_2": currency})
            customer = await one(conn, sql.CUSTOMER_FOR_UPDATE,
                                        {"tenant_id_1": tenant, "id_1": customer_id})
            kind = await one(conn, sql.DEFAULT_TRANSACTION_TYPE, {
                "tenant_id_1": tenant, "classification_1": "PAYMENT", "alternative_code_1": "PAYMENT",
                "param_1": 1})
            setting = await one(conn, sql.PAYMENT_METHOD_SETTING,
                                       {"tenant_id_1": tenant, "method_1": method})
            if setting is not None and not setting["active"]:
                return error(422, f"payment method {method} is deactivated in this tenant")
            number = await next_number(pool, tenant, "payment", "PAY")
            now = dt.datetime.now(dt.timezone.utc)
            today = now.date()
            tenders = [{"method": method, "processor": None, "reference": None, "amountMinor": amount}]
            values: dict[str, Any] = {
                "number": number, "customer_id": customer_id, "currency": currency, "amount_minor": amount,
                "unallocated_minor": 0, "refunded_minor": 0, "status": "DRAFT", "payment_method": method,
                "type_id": kind["id"],
                "category_id": None, "rejection_reason_id": None, "tenders": Json(tenders),
                "reference_number": body.get("reference"), "back_office_code": None, "received_on": today,
                "issued_on": today, "posted_on": None, "notes": body.get("description"), "rejection_reason": None,
                "received_by_user": None, "received_by_unit": None, "invoices_to_pay": Json([]),
                "bills_to_pay": Json([]), "custom_attributes": Json([]), "third_party_status": None,
                "created_by": subject, "updated_by": subject, **dict.fromkeys(UDF), "tenant_id": tenant,
                "locator": str(ULID()), "uuid": uuid.uuid4(), "version": 1, "created_at": now, "updated_at": now}
            payment_id = (await one(conn, sql.INSERT_PAYMENT, values))["id"]
            cur = await run(conn, sql.OPEN_INVOICES_FOR_UPDATE, {
                "tenant_id_1": tenant, "customer_id_1": customer_id, "status_1": "POSTED", "outstanding_minor_1": 0})
            remaining, plan = amount, []
            for invoice in await cur.fetchall():   # oldest first; nothing intended, no tolerance to apply
                if remaining == 0:
                    break
                applied = min(remaining, invoice["outstanding_minor"])
                plan.append((invoice, applied))
                remaining -= applied
            if remaining:
                return error(409, "the floor only allocates payments that leave no credit")
            # In the order of SQLAlchemy's flush: the payment, its credit, the journal, the allocations, the
            # invoices, the subpayment credits and their targets.
            await run(conn, sql.UPDATE_PAYMENT_POSTED, {
                "status": "POSTED", "posted_on": today, "version": 2, "updated_at": dt.datetime.now(dt.timezone.utc),
                "payments_id": payment_id, "payments_version": 1})
            credit = {"tenant_id": tenant, "customer_id": customer_id, "payment_id": payment_id, "currency": currency,
                      "description": None, "created_by": subject, "created_at": now, "realized_at": now,
                      "reversed_at": None, "reversal_reason": None}
            parent_id = (await one(conn, sql.INSERT_CREDIT, {
                **credit, "locator": str(ULID()), "type": "payment", "state": "posted", "parent_id": None,
                "amount_minor": amount}))["id"]
            await journal(conn, [entry(tenant, customer_id, "PAYMENT_POSTED", balance=amount, credit=amount,
                                       payment_id=payment_id)]
                          + [entry(tenant, customer_id, "ALLOCATION", credit=-applied, outstanding=-applied,
                                   invoice_id=invoice["id"], payment_id=payment_id) for invoice, applied in plan])
            await run(conn, sql.values_rows(sql.INSERT_ALLOCATIONS, len(plan)), sql.row_params([
                {"tenant_id": tenant, "payment_id": payment_id, "invoice_id": invoice["id"], "amount_minor": applied,
                 "refunded_minor": 0, "created_at": now, "reversed_at": None} for invoice, applied in plan]))
            for invoice, applied in plan:
                await update_outstanding(conn, invoice, -applied, now)
            cur = await run(conn, sql.values_rows(sql.INSERT_CREDITS, len(plan)), sql.row_params([
                {**credit, "locator": str(ULID()), "type": "subpayment", "state": "posted", "parent_id": parent_id,
                 "amount_minor": applied} for _, applied in plan]))
            children = [row["id"] for row in await cur.fetchall()]
            await run(conn, sql.values_rows(sql.INSERT_CREDIT_TARGETS, len(plan)), sql.row_params([
                {"tenant_id": tenant, "credit_id": child, "invoice_id": invoice["id"], "amount_minor": applied}
                for child, (invoice, applied) in zip(children, plan)]))
            first = await one(conn, sql.FIRST_ALLOCATED_INVOICE,
                                     {"tenant_id_1": tenant, "payment_id_1_1": payment_id})
            balance = await one(conn, sql.CUSTOMER_BALANCE, {
                "coalesce_2": 0, "tenant_id_1": tenant, "customer_id_1": customer_id, "status_1": "POSTED",
                "outstanding_minor_1": 0, "tenant_id_2": tenant, "id_1": customer_id})
        answer = {"id": payment_id, "customerId": customer_id, "amountInMajorCurrency": major(amount, currency),
                  "resultingCustomerBalance": major(int(balance["anon_1"]), currency),
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
            row = await one(conn, sql.CUSTOMER_ID_OF_PAYMENT, {"tenant_id_1": tenant, "id_1": payment_id})
            if row is None:
                return error(404, f"Payment {payment_id} not found")
            customer_id = row["customer_id"]
            customer = await one(conn, sql.CUSTOMER_FOR_UPDATE,
                                        {"tenant_id_1": tenant, "id_1": customer_id})
            payment = await one(conn, sql.PAYMENT_FOR_UPDATE, {"tenant_id_1": tenant, "id_1": payment_id})
            if payment["status"] != "POSTED":
                return error(409, f"payment {payment_id} is {payment['status']}; only a POSTED payment can be cancelled")
            kind = await one(conn, sql.DEFAULT_TRANSACTION_TYPE, {
                "tenant_id_1": tenant, "classification_1": "PAYMENT_CANCELLATION",
                "alternative_code_1": "PAYMENT_CANCELLATION", "param_1": 1})
            if customer["credit_minor"] < payment["unallocated_minor"] or payment["unallocated_minor"]:
                return error(409, "the floor only cancels payments that left no credit")
            now = dt.datetime.now(dt.timezone.utc)
            allocations = await rows(conn, sql.ACTIVE_ALLOCATIONS,
                                           {"tenant_id_1": tenant, "payment_id_1": payment_id})
            credits = await rows(conn, sql.ACTIVE_SHORTFALL_CREDITS, {
                "tenant_id_1": tenant, "payment_id_1": payment_id, "type_1": "shortfallWriteOff", "state_1": "reversed"})
            if credits:
                return error(409, "the floor does not reverse shortfall write-offs")
            ids = sorted({a["invoice_id"] for a in allocations})
            cur = await run(conn, sql.in_list(sql.INVOICES_FOR_UPDATE, "id_1", len(ids)),
                            {"tenant_id_1": tenant, **sql.in_params("id_1", ids)})
            invoices = {invoice["id"]: invoice for invoice in await cur.fetchall()}
            for allocation in allocations:
                invoice = invoices[allocation["invoice_id"]]
                await update_outstanding(conn, invoice, allocation["amount_minor"], now)
                invoice["outstanding_minor"] += allocation["amount_minor"]
                invoice["version"] += 1
            amount = payment["amount_minor"]
            # The credit UPDATE flushes what is pending first (journal, allocations); the cancellation's number
            # is taken after it, then the last flush: the PAYMENT_CANCELLED entry, the payment, the cancellation.
            await journal(conn, [entry(tenant, customer_id, "ALLOCATION_REVERSED", credit=a["amount_minor"],
                                       outstanding=a["amount_minor"], invoice_id=a["invoice_id"], payment_id=payment_id)
                                 for a in allocations])
            async with conn.cursor() as cursor:
                if RECORDED is not None:   # one executemany, as SQLAlchemy sends it
                    RECORDED.append(normalize(sql.REVERSE_ALLOCATION))
                await cursor.executemany(sql.REVERSE_ALLOCATION, [
                    {"reversed_at": now, "payment_allocations_id": a["id"]} for a in allocations])
            await run(conn, sql.REVERSE_PAYMENT_CREDITS, {
                "state": "reversed", "reversed_at": dt.datetime.now(dt.timezone.utc),
                "reversal_reason": "payment cancelled", "tenant_id_1": tenant, "payment_id_1": payment_id,
                "type_1_1": "payment", "type_1_2": "subpayment", "state_1": "reversed"})
            number = await next_number(pool, tenant, "payment_cancellation", "PCN")
            await run(conn, sql.INSERT_JOURNAL_ENTRY, entry(tenant, customer_id, "PAYMENT_CANCELLED", balance=-amount,
                                                            credit=-amount, payment_id=payment_id))
            updated = dt.datetime.now(dt.timezone.utc)
            await run(conn, sql.UPDATE_PAYMENT_CANCELLED, {
                "status": "CANCELLED", "version": payment["version"] + 1, "updated_at": updated,
                "payments_id": payment_id, "payments_version": payment["version"]})
            await run(conn, sql.INSERT_CANCELLATION, {
                "tenant_id": tenant, "number": number, "payment_id": payment_id, "type_id": kind["id"],
                "category_id": payment["category_id"], "amount_minor": amount, "currency": payment["currency"],
                "posted_on": now.date(), "notes": None, "issue_reason": None, "created_by": subject, "created_at": now})
            payment.update(status="CANCELLED", version=payment["version"] + 1, updated_at=updated, updated_by=subject)
            body = (await payment_views(conn, tenant, [payment]))[0]
        return json_response(body, headers={"ETag": f'"{payment["version"]}"'})

    add_fixed_routes(app)   # the fixed floors (bench/fixed_floor.py) on the same workers and pool
    return app
