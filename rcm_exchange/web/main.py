"""Home page and the language switch."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, render_template, request, session
from flask_login import current_user

from rcm_exchange.i18n import LANGUAGES
from rcm_exchange.services import accounts, browse
from rcm_exchange.web import safe_next_url

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    return render_template("main/home.html", home=browse.home_page(current_user, date.today().year))


@bp.post("/language")
def switch_language():
    language = request.form.get("language", "")
    if language in LANGUAGES:
        session["language"] = language
        if current_user.is_authenticated:
            accounts.set_preferred_language(current_user, language)
    return redirect(safe_next_url(request.form.get("next")))
