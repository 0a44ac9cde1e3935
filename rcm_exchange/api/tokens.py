"""POST /auth/tokens and DELETE /auth/tokens/current."""

from __future__ import annotations

from flask import g, request
from flask_smorest import Blueprint

from rcm_exchange.api.spec import API_PREFIX, caller, error_responses
from rcm_exchange.schemas.api_tokens import IssuedTokenSchema, TokenRequestSchema
from rcm_exchange.services import accounts, api_tokens
from rcm_exchange.services.attempt_limits import SignInAttempt

blp = Blueprint(
    "api_tokens",
    __name__,
    url_prefix=f"{API_PREFIX}/auth/tokens",
    description="Bearer tokens: ask for one with an account's email and password.",
)


@blp.route("", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(201, IssuedTokenSchema)
@error_responses(blp, 401, 415, 429)
@caller(blp, token="none")
def create_token(data):
    """Get a token

    The token is shown only in this answer; it expires at `expires_at`. With
    `"read_only": true` it can read what the account may read and change nothing.
    Failed tries count against the same limits as the site's sign-in page.
    """
    attempt = SignInAttempt(email=accounts.normalize_email(data["email"]), address=request.remote_addr or "")
    issued = accounts.issue_token_for_credentials(
        attempt, data["password"], name="API", read_only=data["read_only"]
    )
    return {"token": issued.token, "expires_at": issued.expires_at}


@blp.route("/current", methods=["DELETE"])
@blp.response(204)
@error_responses(blp, 401)
@caller(blp, token="required", read_only_token_may_write=True)
def revoke_current_token():
    """Revoke the token in use"""
    api_tokens.revoke_token(g._login_user, g.api_token.id)
