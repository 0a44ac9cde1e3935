"""The Secretariat's statistics page."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_login import current_user, login_required

from rcm_exchange.services import statistics, statistics_files

bp = Blueprint("statistics", __name__, url_prefix="/statistics")


@bp.get("/")
@login_required
def overview():
    return render_template("statistics/overview.html", figures=statistics.overview(current_user))


@bp.get("/<table>.csv")
@login_required
def table_csv(table: str):
    response = Response(statistics_files.table_csv(current_user, table), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="rcm-statistics-{table}.csv"'
    return response
