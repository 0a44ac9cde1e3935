"""Account administration for admins: create, edit, deactivate, password links."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from rcm_exchange.errors import ValidationFailed
from rcm_exchange.models import Role
from rcm_exchange.schemas import form_data, load
from rcm_exchange.schemas.accounts import AccountSchema
from rcm_exchange.services import access, accounts, notifications

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin():
    access.require(current_user, "administer")


def _render_form(user, values, errors, status=200):
    return render_template(
        "admin/user_form.html",
        user=user,
        values=values,
        errors=errors,
        organizations=accounts.list_organizations(),
        roles=list(Role),
    ), status


@bp.get("/users")
def users():
    return render_template("admin/users.html", users=accounts.list_users())


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    if request.method == "GET":
        return _render_form(None, {"active": True, "role": Role.CONTRIBUTOR.value}, {})
    values = form_data(request.form)
    try:
        data = load(AccountSchema(), values)
        user = accounts.create_user(
            current_user,
            email=data["email"],
            name=data["name"],
            organization_id=data["organization_id"],
            role=data["role"],
            preferred_language=data["preferred_language"] or None,
        )
    except ValidationFailed as error:
        return _render_form(None, values, error.errors or {}, 422)
    link = notifications.send_invitation(user)
    flash(
        _(
            "Account created. Send %(name)s this one-time link to choose a password: %(link)s",
            name=user.name,
            link=link,
        ),
        "success",
    )
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = accounts.get_user(user_id)
    if request.method == "GET":
        values = {
            "email": user.email,
            "name": user.name,
            "organization_id": user.organization_id,
            "role": user.role.value,
            "active": user.active,
            "preferred_language": user.preferred_language or "",
        }
        return _render_form(user, values, {})
    values = form_data(request.form)
    values["email"] = user.email  # the address identifies the account; it is not edited here
    try:
        data = load(AccountSchema(), values)
        accounts.update_user(
            current_user,
            user,
            name=data["name"],
            organization_id=data["organization_id"],
            role=data["role"],
            active=data["active"],
            preferred_language=data["preferred_language"] or None,
        )
    except ValidationFailed as error:
        return _render_form(user, values, error.errors or {}, 422)
    flash(_("Account saved."), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password-link")
def password_link(user_id: int):
    user = accounts.get_user(user_id)
    link = notifications.send_invitation(user)
    flash(_("One-time link for %(name)s: %(link)s", name=user.name, link=link), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))
