"""Which language a page speaks: the account's setting, else the choice made with the
switch, else the browser's Accept-Language."""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user

LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"


def select_locale() -> str:
    if not has_request_context():  # the command line and mail sent after a request
        return DEFAULT_LANGUAGE
    if getattr(current_user, "is_authenticated", False) and current_user.preferred_language in LANGUAGES:
        return current_user.preferred_language
    chosen = session.get("language")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LANGUAGE


def current_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def localized(obj, attribute: str = "name") -> str:
    """``tag.name_es`` on a Spanish page, ``tag.name_en`` otherwise."""
    language = current_language()
    value = getattr(obj, f"{attribute}_{language}", None)
    return value or getattr(obj, f"{attribute}_en", None) or getattr(obj, attribute, "")


def register_template_helpers(app) -> None:
    from rcm_exchange.labels import TEMPLATE_GLOBALS
    from rcm_exchange.web import current_path

    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language,
                                 localized=localized, current_path=current_path, **TEMPLATE_GLOBALS)

    @app.template_filter("date")
    def _date(value: datetime | None, style: str = "medium") -> str:
        return format_date(value, style) if value else ""

    @app.template_filter("number")
    def _number(value) -> str:
        return format_decimal(value) if value is not None else ""

    @app.template_filter("datetime")
    def _datetime(value: datetime | None, style: str = "medium") -> str:
        return format_datetime(value, style) if value else ""
