"""Domain exceptions and the one place that turns any error into a response.

Pages get an error page in the user's language; ``/api/`` gets the contract's JSON
body ``{"code", "message", "errors"}``. Nothing a client sends ends in a traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def N_(message: str) -> str:  # noqa: N802 - the name the message extractor knows
    """Mark a message for the catalog where it is translated later, when shown."""
    return message


# Flask-Login flashes this, through gettext, when a page needs a signed-in account.
SIGN_IN_REQUIRED = N_("Please sign in to open this page. You will come back to it afterwards.")


class DomainError(Exception):
    status_code = 400
    default_message = _l("The request could not be understood.")
    headers: dict | None = None

    def __init__(self, message: str | None = None, *, errors: dict | None = None):
        # Kept lazy: translating needs the user's language, which may not be readable
        # until the failed transaction behind this error has been rolled back.
        super().__init__(message or self.default_message)
        self.message = message
        self.errors = errors

    def describe(self) -> str:
        return str(self.message or self.default_message)


class Unauthorized(DomainError):
    status_code = 401
    default_message = _l("Please sign in.")


class Forbidden(DomainError):
    status_code = 403
    default_message = _l("You are not allowed to do this.")


class NotFound(DomainError):
    status_code = 404
    default_message = _l("We could not find that page or document.")


class Conflict(DomainError):
    status_code = 409
    default_message = _l("This conflicts with the current state.")


class InvalidTransition(Conflict):
    default_message = _l("This action is not possible in the document's current status.")


class StaleVersion(Conflict):
    default_message = _l(
        "Someone else changed this document after you opened it. Reload it to see the "
        "latest version, then try again."
    )


class ConcurrentChange(StaleVersion):
    """Two requests changed one row at the same moment; the database took the first."""

    default_message = _l(
        "Someone else acted on this document at the same moment, and their change came "
        "first. Reload it to see what happened."
    )


class PayloadTooLarge(DomainError):
    status_code = 413
    default_message = _l("The file is too large.")


class UnsupportedMediaType(DomainError):
    status_code = 415
    default_message = _l("This type of file or content is not accepted.")


class ValidationFailed(DomainError):
    status_code = 422
    default_message = _l("Some fields need attention.")


class SearchTooBroad(ValidationFailed):
    """The search engine gave up on the words typed in the time it gives one search: a
    problem of those words, told beside them (``q``) as a typed filter's is."""

    too_broad = _l(
        "This search is too broad to answer in time. Use fewer or rarer words, or narrow it with a filter."
    )

    def __init__(self):
        super().__init__(errors={"q": [self.too_broad]})


# Where marshmallow's wording is not what a person filling a form should read.
REWORDED = {"Missing data for required field.": _l("This field is required.")}


# marshmallow's own messages, marked so that they are in the catalogs. Those with a
# {placeholder} arrive formatted ("Length must be between 1 and 300."): each is matched
# back to its template, which is translated and formatted again.
MARSHMALLOW_MESSAGES = (
    N_("Unknown field."),
    N_("Field may not be null."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid email address."),
    N_("Not a valid list."),
    N_("Invalid input type."),
    N_("Invalid value."),
    N_("Shorter than minimum length {min}."),
    N_("Longer than maximum length {max}."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be one of: {choices}."),
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _template_pattern(template: str) -> re.Pattern[str]:
    pieces = _PLACEHOLDER.split(template)  # text, name, text, name, ..., text
    return re.compile(
        "".join(re.escape(piece) if i % 2 == 0 else f"(?P<{piece}>.*?)" for i, piece in enumerate(pieces))
        + r"\Z"
    )


_FORMATTED_MESSAGES = [(_template_pattern(t), t) for t in MARSHMALLOW_MESSAGES if _PLACEHOLDER.search(t)]


def _translated(message: str) -> str:
    if message in REWORDED:
        return str(REWORDED[message])
    for pattern, template in _FORMATTED_MESSAGES:
        if match := pattern.match(message):
            return gettext(template).format(**match.groupdict())
    return gettext(message)


def translate_messages(messages) -> dict[str, list[str]]:
    """Field messages (the schemas' or marshmallow's own) in the user's language, as
    the contract gives them: a list of messages by field. What marshmallow reports by
    item of a list (``{"tags": {0: [...]}}``) or by field of a nested object is
    reported under the field itself."""
    if not isinstance(messages, Mapping):
        messages = {"_schema": messages}
    return {str(field): _message_list(value) for field, value in messages.items()}


def _message_list(messages) -> list[str]:
    if isinstance(messages, Mapping):
        parts = list(messages.values())
    elif isinstance(messages, list | tuple):
        parts = list(messages)
    else:
        return [_translated(str(messages))]
    found: list[str] = []
    for part in parts:
        found += [message for message in _message_list(part) if message not in found]
    return found


class SearchUnavailable(DomainError):
    status_code = 503
    default_message = _l("Search is unavailable for a moment. Please try again shortly.")


class SearchRebuilding(SearchUnavailable):
    default_message = _l(
        "The search index is being rebuilt from the database. Search will be back in a few minutes."
    )


HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please sign in."),
    403: _l("You are not allowed to do this."),
    404: _l("We could not find that page or document."),
    405: _l("This method is not allowed here."),
    409: _l("This conflicts with the current state."),
    413: _l("The file or request is too large."),
    415: _l("This type of file or content is not accepted."),
    422: _l("Some fields need attention."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("Something went wrong on our side. Nothing you saved was lost; please try again."),
    503: _l("The service is unavailable for a moment. Please try again shortly."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str, errors: dict | None = None, headers=None):
    headers = dict(headers or {})
    if wants_json():
        body = {"code": status, "message": message}
        # The contract carries field messages on validation failures only.
        if errors and status == 422:
            body["errors"] = errors
        response: Response | str = jsonify(body)
        if status == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="RCM Exchange"')
    else:
        response = render_template("errors/error.html", status=status, message=message, errors=errors)
    return response, status, headers


def handle_csrf_error(error: CSRFError):
    return error_response(
        400,
        str(
            _l(
                "This form has expired or was sent from another site. Go back, reload the "
                "page and send it again."
            )
        ),
    )


def _usable_session() -> None:
    """An error page shows the signed-in user; after a failed flush the session must be
    rolled back before anything can be read through it."""
    from rcm_exchange.extensions import db

    if not db.session.is_active:
        db.session.rollback()


def register_error_handlers(app: Flask) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        _usable_session()
        return error_response(error.status_code, error.describe(), error.errors, error.headers)

    @app.errorhandler(StaleDataError)
    def handle_concurrent_change(error: StaleDataError):
        from rcm_exchange.extensions import db

        db.session.rollback()
        return error_response(409, ConcurrentChange().describe())

    app.register_error_handler(CSRFError, handle_csrf_error)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        message = str(HTTP_MESSAGES.get(status, error.description or ""))
        headers = {}
        valid_methods = getattr(error, "valid_methods", None)
        if status == 405 and valid_methods:
            headers["Allow"] = ", ".join(valid_methods)
        # flask-smorest (webargs) attaches marshmallow messages to 422 aborts.
        errors = None
        data = getattr(error, "data", None)
        if isinstance(data, dict) and "messages" in data:
            errors = translate_messages(_flatten_locations(data["messages"]))
        return error_response(status, message, errors, headers)

    @app.errorhandler(Exception)
    def handle_unexpected_error(error: Exception):
        _usable_session()
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, str(HTTP_MESSAGES[500]))


def _flatten_locations(messages: dict) -> dict:
    """flask-smorest groups messages by location ({"json": {...}}); clients want fields."""
    flat: dict = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            flat.update(location_messages)
    return flat or messages
