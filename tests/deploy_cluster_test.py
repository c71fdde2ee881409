"""deploy/cluster_test.py, importable by the tests (it is a script beside crash/, not a package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def module() -> ModuleType:
    if "ledgerline_cluster_test" not in sys.modules:
        for extra in (ROOT / "crash", ROOT / "bench"):
            if str(extra) not in sys.path:
                sys.path.insert(0, str(extra))
        spec = importlib.util.spec_from_file_location("ledgerline_cluster_test", ROOT / "deploy" / "cluster_test.py")
        loaded = importlib.util.module_from_spec(spec)
        sys.modules["ledgerline_cluster_test"] = loaded
        spec.loader.exec_module(loaded)
    return sys.modules["ledgerline_cluster_test"]

