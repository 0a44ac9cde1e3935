"""Filters typed in the search box (``tag:``, ``country:``, ``type:``, ``lang:``, ``year:``,
``org:``), in English or Spanish, moved into the search's own filters."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from rcm_exchange import errors
from rcm_exchange.extensions import db
from rcm_exchange.labels import DOC_TYPES, LANGUAGES
from rcm_exchange.models import Country, Language, Organization, Tag
from rcm_exchange.schemas import MAX_YEAR, MIN_YEAR, whole_number
from rcm_exchange.services.search.params import SearchParams
from search_index.analysis import fold
from search_index.query_syntax import split_field_filters

# What a reader may type before a colon (folded, English and Spanish), and the
# search parameter it sets.
TYPED_FIELDS = {
    "tag": "tag",
    "tags": "tag",
    "topic": "tag",
    "tema": "tag",
    "country": "country",
    "pais": "country",
    "type": "doc_type",
    "tipo": "doc_type",
    "lang": "language",
    "language": "language",
    "idioma": "language",
    "year": "year",
    "ano": "year",
    "org": "organization",
    "organization": "organization",
    "organizacion": "organization",
}
TYPED_FIELD_NAMES = "tag:, country:, type:, lang:, year:, org:"
_LIST_FILTERS = ("tag", "country")


def _same_name(value: str, *names: str | None) -> bool:
    wanted = " ".join(fold(value).replace("-", " ").replace("_", " ").split())
    return any(name and " ".join(fold(name).replace("-", " ").split()) == wanted for name in names)


def _label_in_any_language(labels: dict, value: str):
    """The enum member whose value or label (English or Spanish) ``value`` names."""
    for member, label in labels.items():
        if fold(value) == member.value:
            return member.value
        for locale in ("en", "es"):
            with force_locale(locale):
                if _same_name(value, str(label)):
                    return member.value
    return None


def _typed_tag(value: str) -> str | None:
    return next(
        (
            t.slug
            for t in db.session.scalars(select(Tag))
            if t.slug == value.lower() or _same_name(value, t.slug, t.name_en, t.name_es)
        ),
        None,
    )


def _typed_country(value: str) -> str | None:
    if len(value) == 2 and value.isalpha():
        found = db.session.get(Country, value.upper())
        return found.code if found else None
    return next(
        (c.code for c in db.session.scalars(select(Country)) if _same_name(value, c.name_en, c.name_es)), None
    )


def _typed_organization(value: str) -> int | None:
    return next(
        (
            o.id
            for o in db.session.scalars(select(Organization))
            if o.acronym.lower() == value.lower() or _same_name(value, o.name, o.name_es)
        ),
        None,
    )


def _typed_year(value: str) -> int | None:
    year = whole_number(value)
    return year if year is not None and MIN_YEAR <= year <= MAX_YEAR else None


_TYPED_RESOLVERS = {
    "tag": (_typed_tag, lambda v: _("No topic is called “%(value)s”.", value=v)),
    "country": (
        _typed_country,
        lambda v: _("No country is called “%(value)s”; use its name or its two-letter code.", value=v),
    ),
    "doc_type": (
        lambda v: _label_in_any_language(DOC_TYPES, v),
        lambda v: _("“%(value)s” is not a type of document.", value=v),
    ),
    "language": (
        lambda v: _label_in_any_language(
            {k: v for k, v in LANGUAGES.items() if k in (Language.EN, Language.ES)}, v
        ),
        lambda v: _("“%(value)s” is not a language of the documents; use en or es.", value=v),
    ),
    "year": (_typed_year, lambda v: _("“%(value)s” is not a year.", value=v)),
    "organization": (_typed_organization, lambda v: _("No organization is called “%(value)s”.", value=v)),
}


def apply_typed_filters(params: SearchParams) -> SearchParams:
    """Move the filters typed in ``q`` (``proteccion consular tag:consular-protection``)
    into the search's own filters, the same ones the facets set.

    A field or a value that names nothing raises ``ValidationFailed`` on ``q`` with a
    message saying which, rather than searching it as words and finding nothing.
    """
    rest, typed = split_field_filters(params.q)
    if not typed:
        return params
    changes: dict = {"q": rest, "tag": list(params.tag), "country": list(params.country)}
    problems = []
    for field_name, value in typed:
        name = TYPED_FIELDS.get(field_name)
        if name is None:
            problems.append(
                _(
                    "“%(field)s:” is not a search filter; use %(fields)s.",
                    field=field_name,
                    fields=TYPED_FIELD_NAMES,
                )
            )
            continue
        resolve, message = _TYPED_RESOLVERS[name]
        resolved = resolve(value) if value else None
        if resolved is None:
            problems.append(message(value))
        elif name in _LIST_FILTERS:
            if resolved not in changes[name]:
                changes[name].append(resolved)
        else:
            changes[name] = resolved
    if problems:
        raise errors.ValidationFailed(errors={"q": problems})
    return replace(params, **changes)
