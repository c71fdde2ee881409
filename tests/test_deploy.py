"""deploy/: the cluster script parses, and its templates render to configs that HAProxy and PgBouncer accept.

Starting the cluster needs root and namespaces and takes half a minute: `make cluster-smoke` does that.
"""

from __future__ import annotations

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
