"""Sign-in, sign-out, and choosing a password through a single-use link."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from rcm_exchange.errors import ValidationFailed
from rcm_exchange.extensions import limiter
from rcm_exchange.schemas import form_data, load
from rcm_exchange.schemas.accounts import NewPasswordSchema, PasswordResetRequestSchema, SignInSchema
from rcm_exchange.services import accounts, notifications
from rcm_exchange.web import safe_next_url

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _login_limit() -> str:
    return current_app.config["RCM_LOGIN_LIMIT"]


def _account_key() -> str:
    return "sign-in:" + accounts.normalize_email(request.form.get("email", ""))


def _failed_sign_in(response) -> bool:
    return response.status_code == 401


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed_sign_in)
@limiter.limit(_login_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed_sign_in)
def login():
    next_url = request.values.get("next", "")
    if request.method == "GET":
        return render_template("auth/login.html", values={}, errors={}, next=next_url)
    values = form_data(request.form)
    try:
        data = load(SignInSchema(), values)
    except ValidationFailed as error:
        return render_template("auth/login.html", values=values, errors=error.errors, next=next_url), 422
    user = accounts.authenticate(data["email"], data["password"])
    if user is None:
        # One message for an unknown email and a wrong password.
        message = _("The email or password is not right.")
        return render_template("auth/login.html", values={"email": values.get("email", "")},
                               errors={}, message=message, next=next_url), 401
    login_user(user, remember=data["remember"])
    flash(_("Welcome, %(name)s.", name=user.name), "success")
    return redirect(safe_next_url(next_url))


@bp.post("/sign-out")
def logout():
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("main.home"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_request():
    if request.method == "GET":
        return render_template("auth/reset_request.html", values={}, errors={})
    values = form_data(request.form)
    try:
        data = load(PasswordResetRequestSchema(), values)
    except ValidationFailed as error:
        return render_template("auth/reset_request.html", values=values, errors=error.errors), 422
    notifications.send_password_reset(data["email"])
    # The same answer whether or not the account exists.
    flash(_("If an account exists for that address, we have sent it a link to choose a new password."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/<token>", methods=["GET", "POST"])
def choose_password(token: str):
    record = accounts.find_password_token(token)
    if record is None:
        return render_template("auth/link_expired.html"), 404
    if request.method == "GET":
        return render_template("auth/choose_password.html", token=token, errors={}, user=record.user)
    values = form_data(request.form)
    try:
        data = load(NewPasswordSchema(), values)
        accounts.set_password_with_token(token, data["password"])
    except ValidationFailed as error:
        return render_template("auth/choose_password.html", token=token, errors=error.errors or {},
                               message=error.message, user=record.user), 422
    logout_user()
    flash(_("Your password is set. You can sign in now."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    if request.method == "GET":
        return render_template("auth/change_password.html", errors={})
    values = form_data(request.form)
    try:
        data = load(NewPasswordSchema(), values)
        accounts.change_password(current_user, data["password"])
    except ValidationFailed as error:
        return render_template("auth/change_password.html", errors=error.errors or {}), 422
    # This session stays signed in; every other one ends.
    login_user(current_user._get_current_object())
    flash(_("Your password has been changed. Other sessions have been signed out."), "success")
    return redirect(url_for("main.home"))
