"""Ledgerline: a self-hostable billing and payments API server on one ledger."""

__version__ = "0.1.0"
