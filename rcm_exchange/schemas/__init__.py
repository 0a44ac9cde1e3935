"""One marshmallow module per resource validates both the HTML form and the JSON body.

``load`` is the single entry: it turns marshmallow's messages into a
``ValidationFailed`` whose field messages the page shows next to each field and the
API returns as ``errors``.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from rcm_exchange.errors import ValidationFailed, translate_messages
from rcm_exchange.models.base import MAX_ID
from rcm_exchange.sanitize import clean_line, clean_plain_text

NOT_ALLOWED_MESSAGE = _l("This contains a character that is not allowed.")
# Characters no text field takes: NUL, which PostgreSQL cannot store in text, and half a
# surrogate pair (what a JSON "\ud800" escape decodes to), which is no character at all
# and which neither database can encode. Stored, either ends in a 500.
_NOT_ALLOWED = re.compile("[\x00\ud800-\udfff]")


def has_character_not_allowed(text: str) -> bool:
    return _NOT_ALLOWED.search(text) is not None


class Text(fields.String):
    """Every text field of every schema: a character no database stores (see
    ``has_character_not_allowed``) is refused with a message next to the field."""

    default_error_messages = {"not_allowed": NOT_ALLOWED_MESSAGE}
    # The OpenAPI document says so, so that a client generated from it (or a fuzzer)
    # knows a NUL is refused rather than finding out from a 422.
    NO_NUL_PATTERN = "^[^\\u0000]*$"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.metadata = {"pattern": self.NO_NUL_PATTERN, **self.metadata}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if has_character_not_allowed(text):
            raise self.make_error("not_allowed")
        return text


class Line(Text):
    """Plain one-line text (a name, a place, a theme), cleaned as it is loaded: no control,
    line-separator, bidi-override or invisible characters (see ``sanitize.clean_line``).
    Its length is checked on the cleaned text, so text that is nothing but such
    characters is refused as empty."""

    def _deserialize(self, value, attr, data, **kwargs):
        return clean_line(super()._deserialize(value, attr, data, **kwargs))


class PlainText(Text):
    """Plain text that may have lines (a description, a comment), cleaned as it is loaded
    (see ``sanitize.clean_plain_text``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return clean_plain_text(super()._deserialize(value, attr, data, **kwargs))


# The years a document can be published or filtered by: a year outside is refused, never
# turned into a date (``datetime(10000, 1, 1)`` raises).
MIN_YEAR, MAX_YEAR = 1900, 2200
# Deeper than any list is long; a larger page would overflow the database's OFFSET.
MAX_PAGE = 10_000
# The most values one list takes (a search's topics or countries, a document's, a
# call's, the meetings of a document): as many as there are countries (ISO 3166-1 has
# 249 codes), so no list a person makes is refused, and far from the 1,500 that made a
# search's query too deep for the index to build.
MAX_LIST_VALUES = 250


TOO_MANY_TOPICS = _l("Choose no more than {max} topics.")
TOO_MANY_COUNTRIES = _l("Choose no more than {max} countries.")
TOO_MANY_MEETINGS = _l("Choose no more than {max} meetings.")


def at_most_list_values(message) -> validate.Length:
    """At most ``MAX_LIST_VALUES``, refused with ``message`` (one of the above)."""
    return validate.Length(max=MAX_LIST_VALUES, error=message)


def whole_number(text: str, *, maximum: int = MAX_ID) -> int | None:
    """A whole number from 0 to ``maximum`` typed in an address or a form, or None.

    ASCII digits only: ``str.isdigit`` is true of "²" and "٣" too, and ``int`` refuses
    the first (a 500 wherever a view trusted ``isdigit``).
    """
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


class Id(fields.Integer):
    """The id of a row: a number no row can have is refused here, not by the database
    driver with an overflow (a 500)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("strict", False)
        super().__init__(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def Page(**kwargs) -> fields.Integer:  # noqa: N802 - a field, named like one
    """A page number, from 1."""
    return fields.Integer(
        load_default=1, strict=False, validate=validate.Range(min=1, max=MAX_PAGE), **kwargs
    )


# Fields a page's form carries that are not part of the resource.
FORM_ONLY_FIELDS = frozenset({"csrf_token", "next"})


def load(schema: Schema, data, *, partial: bool = False):
    try:
        return schema.load(data, partial=partial)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        raise ValidationFailed(errors=translate_messages(messages)) from error


def form_data(form: MultiDict, list_fields: frozenset[str] = frozenset()) -> dict:
    """A submitted form as the dict a schema loads: repeated fields as lists, blank
    optional fields left out, page-only fields dropped."""
    data: dict = {}
    for key in form:
        if key in FORM_ONLY_FIELDS:
            continue
        if key in list_fields:
            data[key] = [value for value in form.getlist(key) if value != ""]
        elif form.get(key, "").strip() != "":
            data[key] = form.get(key)
    return data
