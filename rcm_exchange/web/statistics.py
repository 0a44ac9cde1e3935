"""The Secretariat's statistics page."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from rcm_exchange.services import statistics

bp = Blueprint("statistics", __name__, url_prefix="/statistics")


@bp.get("/")
@login_required
def overview():
    return render_template("statistics/overview.html", figures=statistics.overview(current_user))
