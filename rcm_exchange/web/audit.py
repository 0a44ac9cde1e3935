"""The audit log, for admins: every recorded action, by actor, document and date."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from rcm_exchange.errors import ValidationFailed
from rcm_exchange.labels import AUDIT_ACTIONS
from rcm_exchange.schemas import form_data, load
from rcm_exchange.schemas.review import AuditFilterSchema
from rcm_exchange.services import accounts, audit_log

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("")
@login_required
def index():
    values = form_data(request.args)
    try:
        filters = load(AuditFilterSchema(), values)
        errors = {}
    except ValidationFailed as error:
        filters, errors = {}, error.errors or {}
    page = audit_log.audit_events(current_user, **filters)
    return render_template(
        "review/audit.html",
        page=page,
        values=values,
        errors=errors,
        users=accounts.list_users(),
        audit_actions=AUDIT_ACTIONS,
    ), 422 if errors else 200
