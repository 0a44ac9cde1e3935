"""What happened to my documents and in the queue, with an unread count in the header."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from rcm_exchange.schemas import whole_number
from rcm_exchange.services import notifications

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def unread_notifications():
    # Asked by the header only when it is drawn, so pages without it pay nothing.
    return {"unread_notifications": lambda: notifications.unread_count(current_user)}


@bp.get("")
@login_required
def index():
    return render_template("notifications/index.html", items=notifications.list_notifications(current_user))


@bp.post("/read")
@login_required
def mark_read():
    ids = [number for value in request.form.getlist("id") if (number := whole_number(value))]
    notifications.mark_read(current_user, notification_ids=ids or None)
    return redirect(url_for("notifications.index"))
