"""What the OpenAPI document says of /v1 operations beyond what FastAPI derives from the routes."""

from __future__ import annotations


def _error_body() -> dict:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}


def document_operations(schema: dict, path: str, operations: dict) -> None:
    for operation in operations.values():
        # The login, and provider webhooks (their signature is the credential), take no bearer token.
        if path != "/v1/authenticate" and not path.startswith("/v1/payment-provider-webhooks/"):
            operation.setdefault("security", [{"bearerAuth": []}])
        if "ErrorBody" in schema["components"].get("schemas", {}):
            _document_validation(operation)
            _document_answers(operation)


def _document_validation(operation: dict) -> None:
    """Replace FastAPI's default 422 (``{"detail": [...]}``, never sent) with what /v1 answers.

    Elevate documents no 422: a bad parameter and a body that breaks a rule are both a 400 in the
    /v1 envelope (see ``api/errors.py`` and ``Surface.validation_status``).
    """
    responses = operation.setdefault("responses", {})
    if "requestBody" in operation:  # WireRoute refuses other media types and bounds the body
        responses.setdefault("413", {"description": "The body is larger than the limit (not read further)",
                                     "content": _error_body()})
        responses.setdefault("415", {"description": "The body is not JSON (Content-Type)", "content": _error_body()})
    # Any /v1 operation refuses an unknown or repeated query parameter (api/query.py) and malformed JSON.
    responses.setdefault("400", {"description": "Bad request: a parameter or the body is malformed or breaks "
                                                "a field or domain rule (each field is named)",
                                 "content": _error_body()})
    responses.pop("422", None)


_LIST_HEADERS = {
    "X-Total-Count": {"description": "How many rows match the filters, on every page",
                      "schema": {"type": "integer", "minimum": 0}},
    "Link": {"description": 'RFC 8288 links to the first, prev, next and last pages (`<url>; rel="next"`, ...)',
             "schema": {"type": "string"}},
}


def _document_answers(operation: dict) -> None:
    """Issue 15, for generated SDKs: a list declares its X-Total-Count and Link headers, and an operation that
    answers a body declares the 406 it gives an Accept it cannot answer (api/negotiation.py)."""
    responses = operation.setdefault("responses", {})
    answers_a_body = False
    for code, response in responses.items():
        if not code.startswith("2"):
            continue
        for content in (response.get("content") or {}).values():
            answers_a_body = True
            if content.get("schema", {}).get("type") == "array":
                response.setdefault("headers", {}).update(_LIST_HEADERS)
    if answers_a_body:
        responses.setdefault("406", {"description": "The Accept header names no media type this operation answers in",
                                     "content": _error_body()})
