"""deploy/: the cluster script parses, and its templates render to configs that HAProxy and PgBouncer accept.

Starting the cluster needs root and namespaces and takes half a minute: `make cluster-smoke` does that.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
SCRIPT = DEPLOY / "cluster.sh"


def _exported_by_script() -> set[str]:
    text = SCRIPT.read_text()
    names = set()
    for line in re.findall(r"(?:^|;)\s*export ([A-Z_ ]+)$", text, flags=re.MULTILINE):
        names.update(line.split())
    return names


def _render(template: Path, values: dict[str, str]) -> str:
    done = subprocess.run(["envsubst"], input=template.read_text(), capture_output=True, text=True, check=True,
                          env={"PATH": os.environ["PATH"], **values})
    return done.stdout


def test_the_cluster_script_parses():
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


@pytest.mark.parametrize("template", ["haproxy.cfg.in", "pgbouncer.ini.in"])
def test_every_placeholder_of_a_template_is_exported_by_the_script(template):
    placeholders = set(re.findall(r"\$\{([A-Z_]+)\}", (DEPLOY / template).read_text()))
    assert placeholders <= _exported_by_script(), placeholders - _exported_by_script()


def _values(tmp_path: Path) -> dict[str, str]:
    return {"RUN_DIR": str(tmp_path), "BRIDGE_ADDR": "127.0.0.1", "PRIMARY_PORT": "55432", "REPLICA_PORT": "55433",
            "PGBOUNCER_PORT": "56432", "HAPROXY_ADDR": "127.0.0.1", "HAPROXY_PORT": "58080",
            "HAPROXY_STATS_PORT": "58404",
            "HAPROXY_SERVERS": "    server host1 10.77.0.11:8000 check\n    server host2 10.77.0.12:8000 check"}


@pytest.mark.skipif(not shutil.which("envsubst") or not shutil.which("haproxy"), reason="needs envsubst and haproxy")
def test_the_haproxy_config_is_valid_and_checks_readyz(tmp_path):
    config = tmp_path / "haproxy.cfg"
    config.write_text(_render(DEPLOY / "haproxy.cfg.in", _values(tmp_path)))
    subprocess.run(["haproxy", "-c", "-q", "-f", str(config)], check=True)
    text = config.read_text()
    assert "option httpchk GET /readyz" in text and text.count(" check\n") + text.endswith(" check") >= 2


@pytest.mark.skipif(not shutil.which("envsubst"), reason="needs envsubst")
def test_pgbouncer_pools_by_transaction_for_the_primary_and_the_standby(tmp_path):
    text = _render(DEPLOY / "pgbouncer.ini.in", _values(tmp_path))
    assert re.search(r"^pool_mode = transaction$", text, flags=re.MULTILINE)
    assert "ledgerline = host=127.0.0.1 port=55432" in text
    assert "ledgerline_replica = host=127.0.0.1 port=55433" in text
    assert "${" not in text


# -- the fault test's wiring (issue 17 item 4; running it needs root and takes minutes: `make cluster-test`) --

def test_make_cluster_test_starts_a_fresh_cluster_and_runs_the_fault_test():
    makefile = (DEPLOY.parent / "Makefile").read_text()
    recipe = makefile[makefile.index("\ncluster-test:"):].split("\n\n", 1)[0]
    assert "CLUSTER_IDEMPOTENCY_LOCK_SECONDS=5 bash deploy/cluster.sh up" in recipe
    assert "deploy/cluster_test.py $(CLUSTER_TEST_ARGS)" in recipe
    assert "cluster-test" not in makefile[makefile.index("\ntest:"):].split("\n\n", 1)[0]   # not part of make test


def test_every_move_of_the_fault_test_is_a_subcommand_of_the_cluster_script():
    from tests.deploy_cluster_test import module
    text = SCRIPT.read_text()
    for move in {move[0] for move in module().MOVES} | {"disable-host", "enable-host"}:
        assert f"    {move}) " in text, move
    assert "LEDGERLINE_IDEMPOTENCY_LOCK_SECONDS=${CLUSTER_IDEMPOTENCY_LOCK_SECONDS:-60}" in text


def test_the_fault_test_reuses_the_crash_test_and_adds_refunds(session, tenant_id):
    import importlib
    from tests.deploy_cluster_test import module
    cluster_test = module()
    crash_test, invariants = importlib.import_module("crash_test"), importlib.import_module("invariants")
    checks, applied, send = dict(invariants.CHECKS), invariants._APPLIED_SQL, crash_test.send
    import random
    traffic = cluster_test.ClusterTraffic({1: [10, 11], 2: []}, "run", random.Random(7))
    writes = [traffic.next_write() for _ in range(200)]
    refunds = [write for write in writes if write.what == cluster_test.REFUND]
    assert 10 < len(refunds) < 60 and all(write.path == "/v1/refunds" for write in refunds)
    assert all(json.loads(write.body)["description"] == write.key for write in refunds)
    assert len({write.key for write in writes}) == 200
    try:
        cluster_test.extend_crash_test()
        cluster_test.extend_crash_test()      # idempotent
        assert invariants._APPLIED_SQL.count("FROM refunds") == 1 and crash_test.send is cluster_test.send
        connection = session.connection()
        results = invariants.run_checks(connection, tenant_id)
        # The refund check joins the crash test's ledger checks (the outbox checks come after those).
        assert [result.name for result in results][len(invariants.CHECKS) - 1] == "refund has its one REFUND entry"
        assert all(result.passed for result in results)
        assert invariants.applied_by_key(connection, tenant_id, "run") == {}
    finally:
        invariants.CHECKS.clear()
        invariants.CHECKS.update(checks)
        invariants._APPLIED_SQL, crash_test.send = applied, send


# -- the webhook delivery worker on every host, and the fault test's webhook checks ---------------------

def _function(name: str) -> str:
    text = SCRIPT.read_text()
    return text[text.index(f"\n{name}() {{"):].split("\n}\n", 1)[0]


def test_every_host_runs_the_server_and_the_delivery_worker_which_stop_and_die_with_it():
    start = _function("start_host")
    assert 'host_run "$i" host "$VENV_BIN/ledgerline" serve' in start
    assert 'host_run "$i" worker "$VENV_BIN/ledgerline" worker --poll' in start
    runner = _function("host_run")
    assert "ip netns exec" in runner and "setsid" in runner and 'echo $! > "$RUN_DIR/$name$i.pid"' in runner
    assert '"$RUN_DIR/worker$i.pid"' in _function("stop_host")            # TERMed with its process group
    kill = _function("cmd_kill_host")
    assert "ip netns pids" in kill and "start_host" in kill               # SIGKILLs it too, then starts both
    assert "CLUSTER_BRIDGE_ADDR=$BRIDGE_ADDR" in _function("write_env")     # where the fault test's receiver listens


def test_the_fault_test_shares_the_crash_test_s_resend_and_judgement():
    import inspect

    from tests.deploy_cluster_test import module
    cluster_test = module()
    source = inspect.getsource(cluster_test.main)
    assert "resend(" in source and "judge(" in source
    assert "run_checks(" not in source and "retry(" not in source       # no copy of the crash test's block


Delivery = __import__("collections").namedtuple("Delivery", "event_id delivery_id status attempts successes")


def _receipt(delivery_id: int, event_id: int, customer: int | None, sequence: int | None, at: float,
             verified: bool = True):
    from tests.deploy_cluster_test import module
    return module().Receipt(delivery_id, event_id, customer, sequence, at, at + 0.01, verified)


def _judge(deliveries, receipts, concurrent=(), drained=True):
    from tests.deploy_cluster_test import module
    return module().judge_webhooks(deliveries, receipts, list(concurrent), drained=drained, drain_seconds=1.0,
                                   events=len({row.event_id for row in deliveries}))


def test_webhook_judgement_passes_each_event_delivered_once_in_each_customer_s_order():
    deliveries = [Delivery(1, 11, "DELIVERED", 1, 1), Delivery(2, 12, "DELIVERED", 1, 1),
                  Delivery(3, 13, "DELIVERED", 1, 1)]
    receipts = [_receipt(11, 1, 7, 1, 0.0), _receipt(13, 3, 8, 1, 0.5), _receipt(12, 2, 7, 2, 1.0)]
    result = _judge(deliveries, receipts)
    assert result["violations"] == [] and (result["lost"], result["doubled"], result["out_of_order"]) == (0, 0, 0)


def test_a_repeat_of_an_attempt_that_died_with_its_host_is_at_least_once_not_doubled():
    # Two POSTs of delivery 11, one attempt logged: the first worker was killed before it recorded its attempt.
    result = _judge([Delivery(1, 11, "DELIVERED", 1, 1)], [_receipt(11, 1, 7, 1, 0.0), _receipt(11, 1, 7, 1, 61.0)])
    assert result["violations"] == [] and result["redelivered_after_kill"] == 1


@pytest.mark.parametrize("deliveries, receipts, concurrent, found", [
    ([Delivery(1, 11, "DELIVERED", 1, 1), Delivery(1, 12, "DELIVERED", 1, 1)],
     [(11, 1, 7, 1, 0.0), (12, 1, 7, 1, 1.0)], (), "dispatched twice"),
    ([Delivery(1, 11, "DELIVERED", 2, 2)], [(11, 1, 7, 1, 0.0), (11, 1, 7, 1, 1.0)], (), "delivered 2 times"),
    ([Delivery(1, 11, "DELIVERED", 1, 1)], [(11, 1, 7, 1, 0.0), (11, 1, 7, 1, 0.001)], (11,), "while an earlier"),
    ([Delivery(1, 11, "PENDING", 0, 0)], [], (), "PENDING, 0 POST(s)"),
    ([Delivery(1, None, None, 0, 0)], [], (), "no delivery to the endpoint"),
    ([Delivery(1, 11, "DELIVERED", 1, 1), Delivery(2, 12, "DELIVERED", 1, 1)],
     [(12, 2, 7, 2, 0.0), (11, 1, 7, 1, 1.0)], (), "event of sequence 1 after 2"),
])
def test_webhook_judgement_finds_lost_doubled_concurrent_and_out_of_order_deliveries(deliveries, receipts,
                                                                                      concurrent, found):
    result = _judge(deliveries, [_receipt(*each) for each in receipts], concurrent)
    assert any(found in line for line in result["violations"]), result["violations"]


def test_webhook_judgement_refuses_unverified_posts_and_an_undrained_outbox():
    result = _judge([Delivery(1, 11, "DELIVERED", 1, 1)], [_receipt(11, 1, 7, 1, 0.0, verified=False)], drained=False)
    assert len(result["violations"]) == 2 and result["unverified"] == 1


def test_the_receiver_verifies_signed_deliveries_on_a_real_socket():
    import time

    import httpx

    from ledgerline.events import signing
    from tests.deploy_cluster_test import module
    receiver = module().WebhookReceiver("127.0.0.1")
    receiver.secret = "whsec_test"
    receiver.thread.start()
    try:
        body = json.dumps({"id": 5, "type": "payment.posted", "customerId": 3, "sequence": 2}).encode()
        for secret, delivery in (("whsec_test", 9), ("whsec_other", 10)):
            headers = {"Ledgerline-Delivery-Id": str(delivery),
                       signing.HEADER: signing.header_value([secret], int(time.time()), body)}
            assert httpx.post(receiver.url, content=body, headers=headers, timeout=10).status_code == 200
    finally:
        receiver.close()
    assert [(r.delivery_id, r.event_id, r.customer_id, r.sequence, r.verified, r.sender)
            for r in receiver.receipts] == [(9, 5, 3, 2, True, "127.0.0.1"), (10, 5, 3, 2, False, "127.0.0.1")]
    assert receiver.concurrent == []
