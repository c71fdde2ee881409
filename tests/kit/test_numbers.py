"""Gap-allowed numbers come from per-process blocks on PostgreSQL: unique across processes and
restarts, one round trip per block; SQLite takes them in the request's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from ledgerline.db import numbering_engine
from ledgerline.kit.repository import NUMBER_BLOCK_SIZE, NumberBlocks, next_number
from tests.factories import create_customer


@pytest.fixture
def numbering(engine, backend):  # noqa: ANN001, ANN201
    if backend != "postgresql":
        pytest.skip("blocks of numbers are taken on PostgreSQL only")
    return numbering_engine(engine)


@contextmanager
def counting(engine) -> Iterator[list[str]]:  # noqa: ANN001
    sent: list[str] = []

    def record(*args: object) -> None:
        sent.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_block_is_one_round_trip_for_its_numbers(numbering):
    blocks = NumberBlocks(numbering, size=10)
    tenant = uuid.uuid4()
    with counting(numbering) as sent:
        assert [blocks.take(tenant, "payment") for _ in range(25)] == list(range(1, 26))
    assert len(sent) == 3  # blocks 1-10, 11-20, 21-30


def test_processes_and_restarts_never_hand_out_a_number_twice(numbering):
    tenant = uuid.uuid4()
    processes = [NumberBlocks(numbering, size=7) for _ in range(3)]  # each its own memory, like a process

    def take_many(blocks: NumberBlocks) -> list[int]:
        return [blocks.take(tenant, "payment") for _ in range(40)]

    with ThreadPoolExecutor(max_workers=6) as pool:  # two threads per process as well
        taken = [n for numbers in pool.map(take_many, processes * 2) for n in numbers]
    restarted = NumberBlocks(numbering, size=7)  # a new process after a crash: the rest is a gap
    taken += take_many(restarted)
    assert len(taken) == len(set(taken)) == 7 * 40


def test_tenants_and_kinds_have_blocks_of_their_own(numbering):
    blocks = NumberBlocks(numbering, size=5)
    first, second = uuid.uuid4(), uuid.uuid4()
    assert [blocks.take(first, "payment"), blocks.take(second, "payment"), blocks.take(first, "refund"),
            blocks.take(first, "payment")] == [1, 1, 1, 2]


def test_a_payment_number_takes_no_round_trip_once_the_block_is_reserved(client, auth, numbering):
    customer = create_customer(client, auth)
    body = {"customerId": customer["id"], "amountInMajorCurrency": "1.00", "type": "CHEQUE"}
    first = client.post("/v1/customer-payments", json=body, headers=auth)
    with counting(numbering) as sent:
        answers = [client.post("/v1/customer-payments", json=body, headers=auth) for _ in range(3)]
    assert [answer.status_code for answer in [first, *answers]] == [201] * 4
    assert sent == []
    numbers = [client.get(f"/v1/payments/{answer.json()['id']}", headers=auth).json()["number"]
               for answer in [first, *answers]]
    assert len(set(numbers)) == 4 and all(number.startswith("PAY-") for number in numbers)


def test_gapless_numbers_and_sqlite_numbers_follow_one_another(session, tenant_id):
    assert [next_number(session, tenant_id, "invoice", "INV") for _ in range(3)] == [
        "INV-0000001", "INV-0000002", "INV-0000003"]
    assert NUMBER_BLOCK_SIZE >= 10  # blocks worth their round trip
