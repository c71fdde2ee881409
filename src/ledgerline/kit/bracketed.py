"""Bracketed form-field names (``subBrand[address][town]``, ``patch[0][op]``) as nested documents.

HTML forms and ``curl -F`` can only send flat name/value pairs; the bracket convention
nests them. Keys that are all indexes ``0..n-1`` become a list, so ``patch[0][op]`` and
``patch[1][op]`` give ``{"patch": [{"op": ...}, {"op": ...}]}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_NAME = re.compile(r"([^\[\]]+)((?:\[[^\[\]]+\])*)")
_KEY = re.compile(r"\[([^\[\]]+)\]")


class BracketError(ValueError):
    """A field name or combination of names that does not describe one document."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def name_path(name: str) -> list[str]:
    """``subBrand[address][town]`` -> ``["subBrand", "address", "town"]``."""
    match = _NAME.fullmatch(name)
    if match is None:
        raise BracketError(name, "is not a field name of the form name[key][key]...")
    return [match.group(1), *_KEY.findall(match.group(2))]


def _as_lists(node: Any, where: str) -> Any:
    if not isinstance(node, dict):
        return node
    values = {key: _as_lists(value, f"{where}[{key}]") for key, value in node.items()}
    if values and all(key.isdigit() for key in values):
        expected = [str(index) for index in range(len(values))]
        if sorted(values, key=int) != expected:
            raise BracketError(where, f"indexes must run from 0 to {len(values) - 1} without gaps")
        return [values[key] for key in expected]
    return values


def nest(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """One nested document from bracketed name/value pairs; a name given twice is an error."""
    document: dict[str, Any] = {}
    for name, value in pairs:
        *parents, last = name_path(name)
        node = document
        for key in parents:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise BracketError(name, "conflicts with a field of the same name that holds a value")
        if last in node:
            nested = isinstance(node[last], dict)
            raise BracketError(name, "conflicts with the fields nested under it" if nested
                               else "is given more than once")
        node[last] = value
    return {key: _as_lists(value, key) for key, value in document.items()}
