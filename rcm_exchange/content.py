"""The content of a document, defined once: its fields, the kind of each, and the words
for it.

A document's content is what its organization writes and a moderator approves: every
field of ``FIELDS`` is copied into a revision (``snapshot``), cleaned on the way in
(``clean_content``), written back (``apply_content``), compared in the revision diff,
loaded and shown by the API's schemas and kept by the document form's autosave. The
kind of a field says how it is converted and cleaned; ``search`` says which text field
of the search index its words go to. Practice details (``practice``) belong to practice
reports and experiences only.

Adding a field is: its column on the model, a migration, one ``ContentField`` here, the
templates that show it, its label's Spanish translation, and its line in docs/API.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from rcm_exchange.errors import ValidationFailed
from rcm_exchange.extensions import db
from rcm_exchange.models import Country, DocType, Document, ImplementationStatus, Language, Tag, Visibility
from rcm_exchange.sanitize import clean_line, clean_plain_text, html_to_text, sanitize_html


class Kind(Enum):
    LINE = "line"  # one line of plain text
    TEXT = "text"  # plain text of several lines
    HTML = "html"  # rich text, kept through the one allow-list of ``sanitize``
    ENUM = "enum"  # one value of an enum of the models, stored by its value
    DATE = "date"  # a calendar date, ISO text in a revision
    TAGS = "tags"  # tags of the taxonomy by slug, in the order chosen
    COUNTRIES = "countries"  # countries by ISO alpha-2 code


TEXT_KINDS = frozenset({Kind.LINE, Kind.TEXT, Kind.HTML})
LIST_KINDS = frozenset({Kind.TAGS, Kind.COUNTRIES})


@dataclass(frozen=True)
class ContentField:
    name: str  # of the model's attribute, the API's field and the form's input alike
    kind: Kind
    label: str  # the field's name for people (forms, error summaries, the revision diff)
    # Needed to create a document; a required text may not be blank once cleaned either.
    required: bool = False
    blank_message: str = _l("This field is required.")
    max_length: int | None = None  # of the text, or of each item of a list
    enum: type[Enum] | None = None
    unknown_message: str = ""  # for a value the enum does not have
    default: Enum | None = None  # an enum field's value when none is given
    practice: bool = False
    search: str | None = None  # the search index's text field its words go to

    @property
    def empty(self):
        """The field's value, as stored in a revision, when it says nothing."""
        if self.kind in TEXT_KINDS:
            return ""
        return [] if self.kind in LIST_KINDS else None

    @property
    def nullable(self) -> bool:
        """An enum or date that may be left without a value."""
        return self.kind in (Kind.ENUM, Kind.DATE) and not self.required and self.default is None


TITLE_MAX = 300
SUMMARY_MAX = 4000
BODY_MAX = 500_000
SHORT_TEXT_MAX = 500

FIELDS: tuple[ContentField, ...] = (
    ContentField("title", Kind.LINE, _l("Title"), required=True, max_length=TITLE_MAX, search="title"),
    ContentField(
        "summary", Kind.TEXT, _l("Summary"), required=True, max_length=SUMMARY_MAX, search="summary"
    ),
    ContentField(
        "body_html",
        Kind.HTML,
        _l("Text"),
        required=True,
        max_length=BODY_MAX,
        blank_message=_l("Write the text of the document."),
        search="body",
    ),
    ContentField(
        "doc_type",
        Kind.ENUM,
        _l("Type"),
        required=True,
        enum=DocType,
        unknown_message=_l("Choose the type of document."),
    ),
    ContentField(
        "language",
        Kind.ENUM,
        _l("Language"),
        required=True,
        enum=Language,
        unknown_message=_l("Choose the language of the document."),
    ),
    ContentField(
        "visibility",
        Kind.ENUM,
        _l("Who may read it"),
        enum=Visibility,
        unknown_message=_l("Choose who may read the document."),
        default=Visibility.PARTICIPANTS,
    ),
    ContentField(
        "implementation_status",
        Kind.ENUM,
        _l("Implementation status"),
        enum=ImplementationStatus,
        unknown_message=_l("Choose an implementation status."),
        practice=True,
    ),
    ContentField("period_start", Kind.DATE, _l("Period: from"), practice=True),
    ContentField("period_end", Kind.DATE, _l("Period: to"), practice=True),
    ContentField(
        "implementing_bodies",
        Kind.LINE,
        _l("Implementing bodies"),
        max_length=SHORT_TEXT_MAX,
        practice=True,
        search="body",
    ),
    ContentField(
        "partners", Kind.LINE, _l("Partners"), max_length=SHORT_TEXT_MAX, practice=True, search="body"
    ),
    ContentField("results_html", Kind.HTML, _l("Results"), max_length=BODY_MAX, practice=True, search="body"),
    ContentField("tags", Kind.TAGS, _l("Tags"), max_length=80),
    ContentField("countries", Kind.COUNTRIES, _l("Countries")),
)

BY_NAME = {field.name: field for field in FIELDS}
NAMES = tuple(BY_NAME)
PRACTICE_FIELDS = tuple(field for field in FIELDS if field.practice)
# The types of document that have practice details.
PRACTICE_TYPES = frozenset({DocType.PRACTICE_REPORT, DocType.EXPERIENCE})


def defaults() -> dict:
    """The JSON values of the fields that have a default (a new document's form starts with them)."""
    return {field.name: field.default.value for field in FIELDS if field.default is not None}


def names_of_kind(*kinds: Kind) -> tuple[str, ...]:
    return tuple(field.name for field in FIELDS if field.kind in kinds)


# --- tags and countries: rows of reference data chosen by their code -------------


@dataclass(frozen=True)
class _Codes:
    model: type[Any]
    key: str  # the attribute that is the code
    normalized: Callable[[str], str]
    unknown: Callable[[list[str]], str]  # the message for codes that are not known

    def column(self):
        return getattr(self.model, self.key)

    def rows(self, codes: list[str]) -> list:
        """The rows of ``codes``, in their order; an unknown code is left out."""
        found: dict[str, Any] = (
            {
                getattr(row, self.key): row
                for row in db.session.scalars(select(self.model).where(self.column().in_(codes)))
            }
            if codes
            else {}
        )
        return [found[code] for code in codes if code in found]

    def unknown_among(self, codes: list[str]) -> list[str]:
        if not codes:
            return []
        known = set(db.session.scalars(select(self.column()).where(self.column().in_(codes))))
        return [code for code in codes if code not in known]


_CODES = {
    Kind.TAGS: _Codes(Tag, "slug", str, lambda unknown: _("Unknown tag: %(tags)s.", tags=", ".join(unknown))),
    Kind.COUNTRIES: _Codes(
        Country,
        "code",
        str.upper,
        lambda unknown: _("Unknown country code: %(codes)s.", codes=", ".join(unknown)),
    ),
}


# --- the model's values as JSON values (what a revision stores) and back ---------------


def _stored_value(field: ContentField, value):
    if field.kind in TEXT_KINDS:
        return value or ""
    if field.kind is Kind.ENUM:
        return value.value if value is not None else None
    if field.kind is Kind.DATE:
        return value.isoformat() if value else None
    return [getattr(row, _CODES[field.kind].key) for row in value]


def _model_value(field: ContentField, value):
    if field.kind is Kind.ENUM:
        assert field.enum is not None, "an enum field names its enum"
        return field.enum(value) if value is not None else None
    if field.kind is Kind.DATE:
        return date.fromisoformat(value) if value else None
    if field.kind in LIST_KINDS:
        return _CODES[field.kind].rows(value)
    return value


def snapshot_value(document: Document, field: ContentField):
    return _stored_value(field, getattr(document, field.name))


def snapshot(document: Document) -> dict:
    """The content of a document as plain JSON values (what a revision stores)."""
    return {field.name: snapshot_value(document, field) for field in FIELDS}


def apply_content(document: Document, content: dict) -> None:
    """Set a document's fields from JSON values (a snapshot, a revision, cleaned input);
    keys that are not content fields are left alone."""
    for name, value in content.items():
        field = BY_NAME.get(name)
        if field is not None:
            setattr(document, name, _model_value(field, value))


# --- input made safe ------------------------------------------------------------------

_TEXT_CLEANERS: dict[Kind, Callable[[str], str]] = {
    Kind.LINE: clean_line,
    Kind.TEXT: clean_plain_text,
    Kind.HTML: sanitize_html,
}


def _cleaned(field: ContentField, value):
    """A loaded value (marshmallow's: enum members, dates) as the JSON value a revision stores."""
    if field.kind in TEXT_KINDS:
        return _TEXT_CLEANERS[field.kind](value or "")
    if field.kind in LIST_KINDS:
        return list(dict.fromkeys(_CODES[field.kind].normalized(code) for code in value))
    return _stored_value(field, value)


def _problem(field: ContentField, value) -> str | None:
    if field.kind in TEXT_KINDS:
        return str(field.blank_message) if field.required and not value else None
    if field.kind in LIST_KINDS:
        codes = _CODES[field.kind]
        unknown = codes.unknown_among(value)
        return codes.unknown(unknown) if unknown else None
    return None


def clean_content(data: dict) -> dict:
    """Validated input made safe: plain text for lines and texts, the one allow-list for
    rich text, known tags and countries. Returns JSON values for the given keys only."""
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for field in FIELDS:
        if field.name not in data:
            continue
        clean[field.name] = _cleaned(field, data[field.name])
        problem = _problem(field, clean[field.name])
        if problem:
            errors[field.name] = [problem]
    if errors:
        raise ValidationFailed(errors=errors)
    return clean


def merged_content(base: dict, changes: dict) -> dict:
    merged = {**base, **changes}
    if DocType(merged["doc_type"]) not in PRACTICE_TYPES:
        # Practice details mean nothing on guidance; a change of type drops them.
        merged.update({field.name: field.empty for field in PRACTICE_FIELDS})
    start, end = merged.get("period_start"), merged.get("period_end")
    if start and end and end < start:
        raise ValidationFailed(errors={"period_end": [_("The end of the period is before its start.")]})
    return merged


# --- what readers and search see --------------------------------------------------------


def has_practice_details(document: Document) -> bool:
    """Whether the document's page has practice details to show."""
    return document.doc_type in PRACTICE_TYPES and any(
        getattr(document, field.name) for field in PRACTICE_FIELDS
    )


def search_text(document: Document, index_field: str) -> str:
    """The words of the fields that go to ``index_field`` of the search index, as text."""
    texts = []
    for field in FIELDS:
        if field.search == index_field:
            text = getattr(document, field.name) or ""
            texts.append(html_to_text(text) if field.kind is Kind.HTML else text)
    return "\n".join(filter(None, texts))
