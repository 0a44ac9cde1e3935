"""POST /auth/tokens and DELETE /auth/tokens/current."""
from __future__ import annotations

from flask import current_app, g, request
from flask_smorest import Blueprint

from rcm_exchange.api import API_PREFIX, TOKEN_REQUIRED, error_responses
from rcm_exchange.extensions import limiter
from rcm_exchange.schemas.api_tokens import IssuedTokenSchema, TokenRequestSchema
from rcm_exchange.services import accounts, api_tokens

blp = Blueprint("api_tokens", __name__, url_prefix=f"{API_PREFIX}/auth/tokens",
                description="Bearer tokens: ask for one with an account's email and password.")


def _login_limit() -> str:
    return current_app.config["RCM_LOGIN_LIMIT"]


def _account_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return "api-token:" + accounts.normalize_email(email if isinstance(email, str) else "")


def _failed(response) -> bool:
    return response.status_code == 401


@blp.route("", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(201, IssuedTokenSchema)
@error_responses(blp, 401, 415, 429)
@blp.doc(security=[])
@limiter.limit(_login_limit, deduct_when=_failed)
@limiter.limit(_login_limit, key_func=_account_key, deduct_when=_failed)
def create_token(data):
    """Get a token

    The token is shown only in this answer; it expires at `expires_at`.
    """
    issued = api_tokens.issue_token_for_credentials(data["email"], data["password"], name="API")
    return {"token": issued.token, "expires_at": issued.expires_at}


@blp.route("/current", methods=["DELETE"])
@blp.response(204)
@error_responses(blp, 401)
@blp.doc(security=TOKEN_REQUIRED)
def revoke_current_token():
    """Revoke the token in use"""
    api_tokens.revoke_token(g._login_user, g.api_token.id)
