"""What every API module declares its operations with: the path prefix, the id path
parameter, who may call each operation and the documented error responses."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from rcm_exchange.models.base import MAX_ID

API_PREFIX = "/api/v1"
# Path parameter for ids: bounded, so an absurd id is a 404 and never reaches the database.
ID = f"int(min=1, max={MAX_ID})"

BEARER = "bearerAuth"
# OpenAPI ``security`` of an operation, by its ``token`` rule: a token is needed; it is
# optional (anonymous callers see public material only); none is asked (getting one).
SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "required": [{BEARER: []}],
    "optional": [{BEARER: []}, {}],
    "none": [],
}


@dataclass(frozen=True)
class CallerRule:
    """Who may call an endpoint, declared on it once with ``@caller``: the check every
    request passes (``_check_request``) and the operation's OpenAPI ``security``."""

    token: str = "optional"
    # A write a read-only token may still make: giving itself up.
    read_only_token_may_write: bool = False
    # The body is a multipart upload rather than JSON.
    multipart: bool = False


CALLER_RULE = "api_caller_rule"
# Endpoints with no rule of their own (the OpenAPI document) are read by anyone.
DEFAULT_RULE = CallerRule()


def caller(blp, *, token: str, read_only_token_may_write: bool = False, multipart: bool = False):
    """Declare who may call the decorated endpoint (see ``CallerRule``)."""
    rule = CallerRule(token, read_only_token_may_write, multipart)

    def decorate(function):
        function = blp.doc(security=SECURITY[token])(function)
        # flask-smorest's outer decorators copy the function's attributes to the view.
        setattr(function, CALLER_RULE, rule)
        return function

    return decorate


def error_responses(blp, *codes: int):
    """Document the errors an operation answers with, each with the contract's body."""

    def decorate(function):
        for code in codes:
            function = blp.alt_response(code, response=HTTPStatus(code).name)(function)
        return function

    return decorate
