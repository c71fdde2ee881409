"""RFC 6902 JSON Patch over a resource's wire document, via the ``jsonpatch`` library."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import jsonpatch
import jsonpointer

from ledgerline.errors import Conflict, FieldError, InvalidRequest

_OPS = frozenset({"add", "remove", "replace", "move", "copy", "test"})


def _pointer_field(path: str) -> str:
    """``/address/town`` -> ``address.town`` for error messages."""
    return ".".join(jsonpointer.JsonPointer(path).parts) if path else "(root)"


def _touches(path: str, read_only: Iterable[str]) -> str | None:
    for protected in read_only:
        if path == protected or path.startswith(protected + "/") or protected.startswith(path + "/") or path == "":
            return protected
    return None


def apply_patch(document: dict[str, Any], operations: Any, *, read_only: Iterable[str] = ()) -> dict[str, Any]:
    """Apply ``operations`` to a copy of ``document``; read-only paths are refused (422).

    A failing ``test`` operation is a 409: the document is not in the state the
    client expected. Any other problem is a 422 naming the operation.
    """
    read_only = tuple(read_only)
    if not isinstance(operations, list):
        raise InvalidRequest.for_field("patch", "must be a JSON array of operations")
    for index, operation in enumerate(operations):
        where = f"patch[{index}]"
        if not isinstance(operation, dict):
            raise InvalidRequest.for_field(where, "must be an object")
        op = operation.get("op")
        if op not in _OPS:
            raise InvalidRequest.for_field(f"{where}.op", f"must be one of {', '.join(sorted(_OPS))}")
        for key in ("path",) + (("from",) if op in ("move", "copy") else ()):
            value = operation.get(key)
            if not isinstance(value, str):
                raise InvalidRequest.for_field(f"{where}.{key}", "must be a JSON pointer string")
            try:
                jsonpointer.JsonPointer(value)
            except jsonpointer.JsonPointerException as exc:
                raise InvalidRequest.for_field(f"{where}.{key}", str(exc)) from None
            if op != "test" and (key == "path" or op == "move"):
                protected = _touches(value, read_only)
                if protected is not None:
                    raise InvalidRequest(
                        f"Validation failed for field '{_pointer_field(protected)}': it is read-only",
                        errors=[FieldError(_pointer_field(protected), "read-only: it cannot be patched")],
                    )
        if op in ("add", "replace", "test") and "value" not in operation:
            raise InvalidRequest.for_field(f"{where}.value", f"'{op}' needs a value")
    try:
        return jsonpatch.apply_patch(copy.deepcopy(document), operations)
    except jsonpatch.JsonPatchTestFailed as exc:
        raise Conflict(f"JSON Patch test failed: {exc}") from None
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        raise InvalidRequest.for_field("patch", str(exc)) from None
