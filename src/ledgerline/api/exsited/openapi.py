"""What the OpenAPI document says of /api operations: bearer auth (not on the token endpoint) and errors
in the Exsited envelope, a validation failure being 400 (never FastAPI's 422)."""

from __future__ import annotations

TOKEN_PATH = "/api/v1/oauth2/token"
_ERRORS = {"application/json": {"schema": {"$ref": "#/components/schemas/ExsitedErrors"}}}


def document_operations(schema: dict, path: str, operations: dict) -> None:
    for operation in operations.values():
        if path != TOKEN_PATH:
            operation.setdefault("security", [{"bearerAuth": []}])
        responses = operation.setdefault("responses", {})
        if "HTTPValidationError" in str(responses.get("422", {}).get("content", "")):
            del responses["422"]
        responses.setdefault("400", {"description": "A parameter or the body is malformed or breaks a rule",
                                     "content": _ERRORS})
        if "requestBody" in operation:  # WireRoute bounds the body and refuses other media types
            responses.setdefault("413", {"description": "The body is larger than the limit", "content": _ERRORS})
            responses.setdefault("415", {"description": "The body is not JSON (Content-Type)", "content": _ERRORS})
