"""What the OpenAPI document says of /billing operations: bearer auth and problem+json errors."""

from __future__ import annotations

from ledgerline.api.socotra.envelope import PROBLEM_JSON


def document_operations(schema: dict, path: str, operations: dict) -> None:
    for operation in operations.values():
        operation.setdefault("security", [{"bearerAuth": []}])
        _document_problems(operation)


def _document_problems(operation: dict) -> None:
    """/billing answers errors as application/problem+json, a bad parameter as 400 (never FastAPI's 422)."""
    responses = operation.setdefault("responses", {})
    if "HTTPValidationError" in str(responses.get("422", {}).get("content", "")):
        del responses["422"]
    for code, response in responses.items():
        content = response.get("content", {})
        if code.startswith(("4", "5")) and "application/json" in content:
            response["content"] = {PROBLEM_JSON: content.pop("application/json")}
