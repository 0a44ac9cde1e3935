"""What every API module declares its operations with: the path prefix, the id path
parameter, the security requirements and the documented error responses."""

from __future__ import annotations

from http import HTTPStatus

from rcm_exchange.models.base import MAX_ID

API_PREFIX = "/api/v1"
# Path parameter for ids: bounded, so an absurd id is a 404 and never reaches the database.
ID = f"int(min=1, max={MAX_ID})"

BEARER = "bearerAuth"
# OpenAPI ``security`` of an operation: a token is needed, or it is optional (anonymous
# callers see public material only).
TOKEN_REQUIRED: list[dict[str, list[str]]] = [{BEARER: []}]
TOKEN_OPTIONAL: list[dict[str, list[str]]] = [{BEARER: []}, {}]


def error_responses(blp, *codes: int):
    """Document the errors an operation answers with, each with the contract's body."""

    def decorate(function):
        for code in codes:
            function = blp.alt_response(code, response=HTTPStatus(code).name)(function)
        return function

    return decorate
