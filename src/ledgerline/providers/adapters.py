"""The adapters by name. A provider row's ``adapter`` picks one; every provider type of seed 000
(GO_CARDLESS, STRIPE, ...) runs on the sandbox unless configured ``manual``. A real adapter is one
more module implementing ``base.Provider``, registered here."""

from __future__ import annotations

from ledgerline.providers.base import Provider
from ledgerline.providers.manual import ManualProvider
from ledgerline.providers.sandbox import SandboxProvider

ADAPTERS: dict[str, Provider] = {"sandbox": SandboxProvider(), "manual": ManualProvider()}
DEFAULT_ADAPTER = "sandbox"


def adapter(name: str) -> Provider:
    return ADAPTERS[name]
