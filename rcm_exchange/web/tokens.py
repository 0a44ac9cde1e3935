"""Settings → API tokens: an account lists, creates and revokes its own tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from rcm_exchange.errors import ValidationFailed
from rcm_exchange.schemas import form_data, load
from rcm_exchange.schemas.api_tokens import TokenNameSchema
from rcm_exchange.services import api_tokens

bp = Blueprint("tokens", __name__, url_prefix="/settings/tokens")


@bp.get("")
@login_required
def index():
    return render_template(
        "tokens/index.html", tokens=api_tokens.list_tokens(current_user), errors={}, values={}, issued=None
    )


@bp.post("")
@login_required
def create():
    values = form_data(request.form)
    try:
        data = load(TokenNameSchema(), values)
    except ValidationFailed as error:
        return render_template(
            "tokens/index.html",
            tokens=api_tokens.list_tokens(current_user),
            errors=error.errors,
            values=values,
            issued=None,
        ), 422
    issued = api_tokens.issue_token(current_user, name=data["name"], read_only=data["read_only"])
    # Shown in this answer only: it is not stored, so it cannot be shown again.
    response = render_template(
        "tokens/index.html", tokens=api_tokens.list_tokens(current_user), errors={}, values={}, issued=issued
    )
    return response, 201, {"Cache-Control": "no-store"}


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    api_tokens.revoke_token(current_user, token_id)
    flash(_("The token has been revoked. Programs using it can no longer connect."), "success")
    return redirect(url_for("tokens.index"))
