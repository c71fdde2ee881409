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
        assert [result.name for result in results][-1] == "refund has its one REFUND entry"
        assert all(result.passed for result in results)
        assert invariants.applied_by_key(connection, tenant_id, "run") == {}
    finally:
        invariants.CHECKS.clear()
        invariants.CHECKS.update(checks)
        invariants._APPLIED_SQL, crash_test.send = applied, send
