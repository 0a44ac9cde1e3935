"""Which language a page speaks: the account's setting, else the choice made with the
switch, else the browser's Accept-Language."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import ParseError, get_date_format, parse_date
from flask import has_request_context, request, session
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    format_timedelta,
    get_locale,
)
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
    """``tag.name_es`` on a Spanish page, ``tag.name_en`` otherwise; an object with one
    name for every language (an organization's ``name``) gives that one."""
    language = current_language()
    value = getattr(obj, f"{attribute}_{language}", None) or getattr(obj, f"{attribute}_en", None)
    if value:
        return str(value)
    # A model may also have a method of that name (``Tag.name(locale)``): that is no text
    # to show.
    single = getattr(obj, attribute, "")
    return "" if callable(single) else str(single or "")


def date_input_pattern() -> str:
    """How a date is typed in a form in the page's language: the locale's short date with
    two-digit days and months and a four-digit year (31/03/2024, 03/31/2024).

    A text field with this pattern instead of ``type="date"``: the browser's date picker
    follows the browser's language, not the page's, and showed mm/dd/yyyy to Spanish pages.
    """
    order = [c for c in get_date_format("short", locale=current_language()).pattern if c in "dMy"]
    parts = {"d": "dd", "M": "MM", "y": "yyyy"}
    separator = "/" if "/" in get_date_format("short", locale=current_language()).pattern else "-"
    return separator.join(parts[c] for c in dict.fromkeys(order))


def format_form_date(value) -> str:
    """A stored ISO date (or a date) as the form shows it; anything else as it was typed."""
    if value in (None, ""):
        return ""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return format_date(day, date_input_pattern())


def parse_form_date(value: str) -> str:
    """A date typed in the page's format (or ISO) as ISO; unreadable text is returned as
    it was, so that the schema refuses it with its message next to the field."""
    text = (value or "").strip()
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    try:
        return parse_date(text, locale=current_language(), format="short").isoformat()
    except (ParseError, ValueError, IndexError):
        return text


def register_template_helpers(app) -> None:
    from rcm_exchange.content import has_practice_details
    from rcm_exchange.labels import TEMPLATE_GLOBALS

    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES,
        current_language=current_language,
        localized=localized,
        format_form_date=format_form_date,
        date_example=lambda: format_form_date(date(2024, 3, 31)),
        has_practice_details=has_practice_details,
        **TEMPLATE_GLOBALS,
    )

    @app.template_filter("number")
    def _number(value) -> str:
        return format_decimal(value) if value is not None else ""

    @app.template_filter("percent")
    def _percent(value) -> str:
        return format_percent(value) if value is not None else ""

    @app.template_filter("month")
    def _month(value: datetime | None) -> str:
        """'March 2026' / 'marzo de 2026'."""
        return format_date(value, "LLLL y") if value else ""

    @app.template_filter("short_month")
    def _short_month(value: datetime | None) -> str:
        return format_date(value, "MMM yy") if value else ""

    @app.template_filter("duration")
    def _duration(value) -> str:
        """'3 days', '5 hours': the nearest whole unit, in the page's language."""
        return format_timedelta(value, threshold=1.5) if value is not None else ""

    @app.template_filter("filesize")
    def _filesize(size: int | None) -> str:
        if size is None:
            return ""
        for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
            if size >= scale:
                return f"{format_decimal(size / scale, format='#,##0.#')} {unit}"
        return f"{format_decimal(size)} B"

    @app.template_filter("date")
    def _date(value: datetime | None, style: str = "medium") -> str:
        return format_date(value, style) if value else ""

    @app.template_filter("datetime")
    def _datetime(value: datetime | None, style: str = "medium") -> str:
        return format_datetime(value, style) if value else ""
