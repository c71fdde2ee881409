"""JSON Patch (RFC 6902) for /v1 resources: patch the wire document, validate it whole, diff it."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ledgerline.api.v1.responses import to_wire
from ledgerline.api.wire import dumps, loads
from ledgerline.errors import FieldError, InvalidRequest
from ledgerline.kit.json_patch import apply_patch

# Every /v1 resource carries these; none can be patched.
COMMON_READ_ONLY = ("/id", "/locator", "/uuid", "/number", "/version", "/createdAt", "/updatedAt")


class PatchOperation(BaseModel):
    """One RFC 6902 operation."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid",
                              json_schema_extra={"examples": [{"op": "replace", "path": "/name", "value": "Acme Ltd"}]})

    op: Literal["add", "remove", "replace", "move", "copy", "test"]
    path: str
    value: Any = None
    from_: str | None = Field(default=None, alias="from")


JSON_PATCH_BODY = {"media_type": "application/json-patch+json"}

ModelT = TypeVar("ModelT", bound=BaseModel)


def validated(schema: type[ModelT], document: Any) -> ModelT:
    """``document`` as ``schema``, or a validation error (400 on /v1) naming every failing field (``address.town``)."""
    try:
        return schema.model_validate(document)
    except ValidationError as exc:
        fields = [FieldError(".".join(str(p) for p in error["loc"]) or "body", error["msg"]) for error in exc.errors()]
        raise InvalidRequest(f"Validation failed for field '{fields[0].field}': {fields[0].message}",
                             errors=fields) from None


def patched_input(current: BaseModel | dict[str, Any], operations: list[PatchOperation], input_schema: type[BaseModel],
                  *, read_only: tuple[str, ...] = ()) -> tuple[BaseModel, set[str]]:
    """The patched resource as ``input_schema`` and the wire names of the fields that changed."""
    document = loads(dumps(current if isinstance(current, dict) else to_wire(current)))
    raw_ops = [operation.model_dump(by_alias=True, exclude_unset=True) for operation in operations]
    patched = apply_patch(document, raw_ops, read_only=COMMON_READ_ONLY + read_only)
    writable = {info.alias or name for name, info in input_schema.model_fields.items()}
    # Read-only fields were refused above, so dropping them here loses nothing the client sent.
    candidate = {key: value for key, value in patched.items() if key in writable or key not in document}
    result = validated(input_schema, candidate)
    changed = {key for key in writable if patched.get(key) != document.get(key)}
    return result, changed
