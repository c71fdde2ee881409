"""What the OpenAPI document says of /crmapi/rest/v2 operations: the token and the envelope on every error."""

from __future__ import annotations

from ledgerline.api.crm.envelope import ErrorEnvelope

_TEXT = {400: "VALIDATION_ERROR or INVALID_IDENTIFIER: a parameter, a field or an identifier is wrong",
         401: "INVALID_TOKEN: the token is missing or invalid", 403: "FORBIDDEN: the token lacks the scope",
         404: "NOT_FOUND: nothing matches the identifier", 409: "INVALID_STATE: the life cycle refuses it",
         413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE: the body is not JSON"}


def error_responses(*codes: int) -> dict[int | str, dict]:
    return {code: {"model": ErrorEnvelope, "description": _TEXT[code]} for code in (400, 401, 403, *codes)}


def document_operations(schema: dict, path: str, operations: dict) -> None:
    for operation in operations.values():
        if not path.endswith("/authentication/token"):
            operation.setdefault("security", [{"bearerAuth": []}])
        responses = operation.setdefault("responses", {})
        # Validation is answered 400 in the envelope; FastAPI's 422 is never sent here.
        if "HTTPValidationError" in str(responses.get("422", {}).get("content", "")):
            del responses["422"]
