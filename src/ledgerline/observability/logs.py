"""Structured logs: one JSON object a line (plain text on a terminal), with secrets masked.

Everything Ledgerline logs goes to loggers under ``ledgerline`` (``ledgerline.request`` for the one line
per request, ``ledgerline.errors`` for unexpected failures). By default they get a handler of their own on
stderr and do not propagate; with ``LEDGERLINE_LOG_FORMAT=none`` Ledgerline installs nothing and they
propagate to whatever logging configuration the operator gives (``uvicorn --log-config``, dictConfig).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from typing import Any

ROOT_LOGGER = "ledgerline"
REQUEST_LOGGER = "ledgerline.request"
# Set on records whose every field Ledgerline composed itself from safe values (the request line):
# they skip the masking pass, which is the costly part of formatting.
SAFE = "ledgerline_safe"

# What must never reach a log, masked wherever it appears in a message or a traceback:
_MASKS = (
    # Authorization header values and bare bearer tokens.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [REDACTED]"),
    # JSON Web Tokens (three base64url parts, the first one a JSON header).
    (re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "[REDACTED-JWT]"),
    # key=value or "key": "value" for secret-looking keys.
    (re.compile(r"""(?i)(["']?(?:password|passwd|secret|token|api[_-]?key|authorization|iban|"""
                r"""bank_?account_?number|card_?number|pan)["']?\s*[:=]\s*)(["']?)[^"',\s}]+"""),
     r"\1\2[REDACTED]"),
    # Card and bank account numbers: 12 to 19 digits, optionally grouped by spaces or dashes; the last
    # four stay, as on a receipt.
    (re.compile(r"\b(?:\d[ -]?){8,15}(\d{4})\b"), r"[REDACTED-NUMBER …\1]"),
    # IBANs: two letters, two check digits, 11 to 30 alphanumerics.
    (re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b"), "[REDACTED-IBAN]"),
)


def mask(text: str) -> str:
    """``text`` with tokens, passwords, card, bank account and IBAN numbers replaced."""
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def _timestamp(record: logging.LogRecord) -> str:
    return dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", SAFE}


def _extra(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in vars(record).items() if key not in _RESERVED}


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", ...extra fields, "exc"}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {"ts": _timestamp(record), "level": record.levelname, "logger": record.name,
                                    "msg": record.getMessage()}
        document.update(_extra(record))
        if record.exc_info:
            document["exc"] = self.formatException(record.exc_info)
        line = json.dumps(document, default=str, ensure_ascii=False)
        return line if getattr(record, SAFE, False) else mask(line)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger message key=value ...`` for a person at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{key}={value}" for key, value in _extra(record).items())
        line = f"{_timestamp(record)} {record.levelname:<5} {record.name} {record.getMessage()}"
        if fields:
            line = f"{line} {fields}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line if getattr(record, SAFE, False) else mask(line)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the moment (test capture, a redirected stream)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN201
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # noqa: ANN001
        pass


def formatter_for(log_format: str, stream: Any = None) -> logging.Formatter:
    """``json``, ``text``, or ``auto`` (text when the stream is a terminal, else JSON)."""
    if log_format == "auto":
        stream = stream if stream is not None else sys.stderr
        log_format = "text" if getattr(stream, "isatty", lambda: False)() else "json"
    return TextFormatter() if log_format == "text" else JsonFormatter()


def configure(log_format: str = "auto", level: str = "INFO") -> None:
    """Give the ``ledgerline`` loggers their handler (once; a second call only updates the format and level)."""
    logger = logging.getLogger(ROOT_LOGGER)
    if log_format == "none":
        return
    handler = next((each for each in logger.handlers if isinstance(each, StderrHandler)), None)
    if handler is None:
        if logger.handlers:  # the operator configured the tree already: leave it alone
            return
        handler = StderrHandler()
        logger.addHandler(handler)
    handler.setFormatter(formatter_for(log_format))
    logger.setLevel(level.upper())
    logger.propagate = False
