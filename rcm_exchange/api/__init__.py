"""The REST API, /api/v1 (see API.md): flask-smorest blueprints over the same services
as the pages.

Who is calling is decided here, once per request, from ``Authorization: Bearer``
only. The session cookie is never consulted under /api/, so a page on another site
cannot make a signed-in browser approve or submit anything; that is also why these
blueprints are exempt from the CSRF check the pages need.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask, current_app, g, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from flask_smorest import Api
from werkzeug.exceptions import BadRequest

from rcm_exchange.api.spec import API_PREFIX, BEARER, CALLER_RULE, DEFAULT_RULE, CallerRule
from rcm_exchange.errors import (
    DomainError,
    Forbidden,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from rcm_exchange.extensions import csrf, login_manager
from rcm_exchange.schemas import NOT_ALLOWED_MESSAGE, has_character_not_allowed
from rcm_exchange.schemas.errors import ErrorSchema
from rcm_exchange.services import access

# The largest JSON body: a document with its two rich-text fields at their limit, even
# with every character escaped. Deeper nesting than any schema has is refused too.
MAX_JSON_BYTES = 8 * 1024 * 1024
MAX_JSON_DEPTH = 20


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing bodies nested deeper than ``MAX_JSON_DEPTH``: the standard
    parser raises RecursionError (a 500) on deep nesting instead of a ValueError (a 400)."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error
        stack = [(value, 1)]
        while stack:
            item, depth = stack.pop()
            if isinstance(item, dict | list):
                if depth > MAX_JSON_DEPTH:
                    raise ValueError("JSON nested too deeply")
                stack.extend(
                    (child, depth + 1) for child in (item.values() if isinstance(item, dict) else item)
                )
        return value


class RcmApi(Api):
    """flask-smorest's ``Api``, documenting its views when the OpenAPI document is first
    read rather than when the app is made.

    Describing every view's schemas took about half of ``create_app`` (30 ms, for each
    command-line call, worker and test app), the error response of every HTTP status a
    few milliseconds more, and only the OpenAPI document, the API reference page and
    ``flask openapi`` read them.
    flask-smorest has no setting for this, so what it would document when the app is
    made is kept, in order, and the ``spec`` attribute documents it on first access;
    the document is the same.
    """

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app: Flask | None = None, **options):
        self._undocumented: list[Callable[[], None]] = []
        self._served_document: bytes | None = None
        self._documenting = threading.Lock()
        # ``spec`` read by this thread while it documents (or while flask-smorest sets
        # itself up): no reader, so nothing is documented then.
        self._in_this_thread = threading.local()
        self._in_this_thread.documenting = True
        try:
            super().__init__(app, **options)
        finally:
            self._in_this_thread.documenting = False

    @property
    def spec(self):
        if self._undocumented and not getattr(self._in_this_thread, "documenting", False):
            with self._documenting:
                self._in_this_thread.documenting = True
                try:
                    for document in self._undocumented:
                        document()
                    # Emptied only once documented: a reader who finds it empty gets the whole document.
                    self._undocumented = []
                finally:
                    self._in_this_thread.documenting = False
        return self._spec

    @spec.setter
    def spec(self, value) -> None:
        self._spec = value

    def document_later(self, document: Callable[[], None]) -> None:
        self._undocumented.append(document)
        self._served_document = None

    def _openapi_json(self):
        """The OpenAPI document as JSON, written once: it is the same for every request,
        and writing its 110 KB took most of the 5 ms its request took."""
        if self._served_document is None:
            self._served_document = super()._openapi_json().get_data()
        return current_app.response_class(self._served_document, mimetype="application/json")

    def _register_responses(self):
        self.document_later(super()._register_responses)

    def register_blueprint(self, blp, *, parameters=None, **options):
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)

        def document() -> None:
            blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
            self._spec.tag({"name": name, "description": blp.description})

        self.document_later(document)

    def _register_error_handlers(self):
        """errors.py answers every error, API or page, in the contract's shape."""


def register_api(app: Flask) -> None:
    from rcm_exchange.api import documents, forum, reference, review, tokens

    app.config.setdefault("API_TITLE", "RCM Exchange API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": (
                    "The contract that member states' systems code against. Send "
                    "`Authorization: Bearer <token>` (from `POST /api/v1/auth/tokens`); without it "
                    "only public material is visible. Every error answers "
                    '`{"code", "message", "errors"}`.'
                )
            },
            "servers": [{"url": app.config["RCM_BASE_URL"]}],
        },
    )
    app.json = BoundedJSONProvider(app)
    api = RcmApi(app)
    api.document_later(
        lambda: api.spec.components.security_scheme(BEARER, {"type": "http", "scheme": "bearer"})
    )
    for module in (tokens, documents, review, reference, forum):
        api.register_blueprint(module.blp)
        csrf.exempt(module.blp)
    app.before_request(authenticate_api_request)


def authenticate_api_request() -> None:
    if not request.path.startswith("/api/"):
        return
    # Set before anything else can ask, so that Flask-Login never loads the session user.
    g._login_user = login_manager.anonymous_user()
    g.api_token = None
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _sep, credentials = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise Unauthorized(_("Send the token as: Authorization: Bearer <token>."))
        from rcm_exchange.services.api_tokens import use_token

        record = use_token(credentials.strip())
        if record is None:
            raise Unauthorized(_("This token is unknown, expired or revoked. Ask for a new one."))
        g._login_user = record.user
        g.api_token = record
    if request.routing_exception is not None or request.endpoint is None:
        return  # unknown path or method: let routing answer 404 or 405
    _check_request(request.endpoint, signed_in=g.api_token is not None)


def caller_rule(endpoint: str) -> CallerRule:
    return getattr(current_app.view_functions.get(endpoint), CALLER_RULE, DEFAULT_RULE)


def _check_request(endpoint: str, *, signed_in: bool) -> None:
    rule = caller_rule(endpoint)
    writes = request.method in ("POST", "PUT", "PATCH", "DELETE")
    if not signed_in and (rule.token == "required" or (writes and rule.token != "none")):
        raise Unauthorized(_("This needs a token: send Authorization: Bearer <token>."))
    if writes and not rule.read_only_token_may_write and not access.token_may_change_things(g.api_token):
        raise Forbidden(
            _("This token is read-only: it cannot change anything. Use a token made for writing.")
        )
    for name, value in request.args.items(multi=True):
        _refuse_characters_not_allowed(value, name)
    if request.method in ("POST", "PUT", "PATCH"):
        if rule.multipart:
            if request.mimetype != "multipart/form-data":
                raise UnsupportedMediaType(_("Send the file as multipart/form-data, in the field 'file'."))
        elif not request.is_json:
            raise UnsupportedMediaType(_("Send a JSON body with Content-Type: application/json."))
        elif (request.content_length or 0) > MAX_JSON_BYTES:
            raise PayloadTooLarge(_("The request body is too large."))
        else:
            _refuse_characters_not_allowed(_json_body())


def _json_body():
    """The body parsed once here, by the bounded parser, before webargs parses it again
    with the standard one (which would raise RecursionError on deep nesting)."""
    if not request.get_data(cache=True):
        return None
    try:
        return request.get_json()
    except BadRequest as error:
        raise DomainError(_("The body is not valid JSON, or it is nested too deeply.")) from error


def _refuse_characters_not_allowed(value, path: str = "") -> None:
    """No text anywhere in a request holds a character no database stores, whether or
    not a schema field reads it (a lookup by slug or address is enough to end in a 500)."""
    if isinstance(value, str):
        if has_character_not_allowed(value):
            raise ValidationFailed(errors={path or "_schema": [str(NOT_ALLOWED_MESSAGE)]})
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_characters_not_allowed(item, path or str(key))
    elif isinstance(value, list):
        for item in value:
            _refuse_characters_not_allowed(item, path)
