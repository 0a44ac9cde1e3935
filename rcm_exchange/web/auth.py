"""Sign-in, sign-out, and choosing a password through a single-use link."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.signals import user_loaded_from_cookie

from rcm_exchange.errors import ValidationFailed
from rcm_exchange.extensions import limiter
from rcm_exchange.schemas import form_data, load
from rcm_exchange.schemas.accounts import (
    ChangePasswordSchema,
    NewPasswordSchema,
    PasswordResetRequestSchema,
    SignInSchema,
)
from rcm_exchange.services import accounts, notifications, sessions
from rcm_exchange.services.attempt_limits import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_DAYS,
    SignInAttempt,
    TooManyAttempts,
    device_cookie_for,
)
from rcm_exchange.web import safe_next_url

bp = Blueprint("auth", __name__, url_prefix="/auth")

# The password link's token is moved from the address into the session at once, so it
# does not spread into page links, the language switch, referrers and access logs.
PASSWORD_LINK_KEY = "password_link"


def _login_limit() -> str:
    return current_app.config["RCM_LOGIN_LIMIT"]


def start_signed_in_session(user, *, remember: bool = False) -> None:
    """A new server-side session for this browser, and a fresh CSRF token for it."""
    sessions.start_session(user, remember=remember)
    login_user(user, remember=remember)
    session.pop("csrf_token", None)


@user_loaded_from_cookie.connect
def _rotate_remember_cookie(app, user, **extra):
    session["_user_id"] = sessions.rotate_remembered_session(user)
    session["_remember"] = "set"  # Flask-Login writes the cookie again with the new value


@bp.route("/sign-in", methods=["GET", "POST"])
def login():
    next_url = request.values.get("next", "")
    if request.method == "GET":
        return render_template("auth/login.html", values={}, errors={}, next=next_url)
    values = form_data(request.form)
    try:
        data = load(SignInSchema(), values)
    except ValidationFailed as error:
        return render_template("auth/login.html", values=values, errors=error.errors, next=next_url), 422
    attempt = SignInAttempt(
        email=accounts.normalize_email(data["email"]),
        address=request.remote_addr or "",
        device=request.cookies.get(DEVICE_COOKIE),
    )
    keep = {"email": values.get("email", "")}
    try:
        user = accounts.sign_in(attempt, data["password"])
    except TooManyAttempts as error:
        return (
            render_template(
                "auth/login.html", values=keep, errors={}, message=error.describe(), next=next_url
            ),
            429,
            error.headers,
        )
    if user is None:
        # One message for an unknown email and a wrong password.
        message = _("The email or password is not right.")
        return render_template("auth/login.html", values=keep, errors={}, message=message, next=next_url), 401
    start_signed_in_session(user, remember=data["remember"])
    flash(_("Welcome, %(name)s.", name=user.name), "success")
    response = redirect(safe_next_url(next_url))
    response.set_cookie(
        DEVICE_COOKIE,
        device_cookie_for(attempt.email),
        max_age=DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        path=url_for("auth.login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.post("/sign-out")
def logout():
    if current_user.is_authenticated:
        sessions.end_session(current_user)
    logout_user()
    session.pop("csrf_token", None)
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
    flash(
        _("If an account exists for that address, we have sent it a link to choose a new password."),
        "success",
    )
    return redirect(url_for("auth.login"))


@bp.get("/password/<token>")
def open_password_link(token: str):
    if accounts.find_password_token(token) is None:
        return render_template("auth/link_expired.html"), 404
    session[PASSWORD_LINK_KEY] = token
    return redirect(url_for("auth.choose_password"))


@bp.route("/password/new", methods=["GET", "POST"])
def choose_password():
    token = session.get(PASSWORD_LINK_KEY, "")
    record = accounts.find_password_token(token) if token else None
    if record is None:
        return render_template("auth/link_expired.html"), 404
    if request.method == "GET":
        return render_template("auth/choose_password.html", errors={}, user=record.user)
    values = form_data(request.form)
    try:
        data = load(NewPasswordSchema(), values)
        accounts.set_password_with_token(token, data["password"])
    except ValidationFailed as error:
        return render_template(
            "auth/choose_password.html", errors=error.errors or {}, message=error.message, user=record.user
        ), 422
    session.pop(PASSWORD_LINK_KEY, None)
    logout_user()
    flash(
        _(
            "Your password is set, and every session and API token of your account has ended. "
            "You can sign in now."
        ),
        "success",
    )
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    if request.method == "GET":
        return render_template("auth/change_password.html", errors={})
    values = form_data(request.form)
    try:
        data = load(ChangePasswordSchema(), values)
        accounts.change_password(
            current_user, current_password=data["current_password"], password=data["password"]
        )
    except ValidationFailed as error:
        return render_template("auth/change_password.html", errors=error.errors or {}), 422
    # This browser stays signed in with a new session; every other session has ended.
    start_signed_in_session(current_user._get_current_object())
    flash(
        _("Your password has been changed. Other sessions have been signed out and your API tokens revoked."),
        "success",
    )
    return redirect(url_for("main.home"))
