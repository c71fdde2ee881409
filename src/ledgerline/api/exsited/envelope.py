"""The Exsited error envelope: ``{"errors": [{"message": "..."}]}``, one message per problem (vendor notes)."""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel, Field

from ledgerline.api.errors import ErrorInfo
from ledgerline.api.wire import dumps


class ExsitedErrorMessage(BaseModel):
    message: str = Field(examples=["payment.payment_applied.0.amount: Input should be greater than 0"])


class ExsitedErrors(BaseModel):
    """Every /api error: one message per problem."""

    errors: list[ExsitedErrorMessage] = Field(min_length=1)


def render_error(info: ErrorInfo) -> Response:
    messages = [f"{item.field}: {item.message}" for item in info.errors] or [info.message]
    return Response(dumps({"errors": [{"message": message} for message in messages]}), status_code=info.status,
                    media_type="application/json")
