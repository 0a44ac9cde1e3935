"""The search page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from rcm_exchange.errors import SearchUnavailable, ValidationFailed
from rcm_exchange.forum_facets import KEYWORD_PARAMETERS
from rcm_exchange.i18n import current_language, localized
from rcm_exchange.labels import doc_type_label, language_label
from rcm_exchange.schemas import load
from rcm_exchange.schemas.document_search import DocumentSearchSchema
from rcm_exchange.services import search
from search_index import MAX_QUERY_CHARS

bp = Blueprint("search", __name__)

PAGE_SIZE = 20
LIST_PARAMS = ("tag", "country")
SINGLE_PARAMS = (
    "q",
    "doc_type",
    "language",
    "year",
    "organization",
    "sort",
    "page",
    "exact",
) + KEYWORD_PARAMETERS


@dataclass
class FacetValue:
    label: str
    count: int
    selected: bool
    url: str


@dataclass
class FilterChip:
    label: str
    remove_url: str


@dataclass
class FacetGroup:
    title: str
    values: list[FacetValue]
    open: bool = True


def _query_args() -> dict:
    """The page's own parameters; anything else in the address is ignored."""
    args: dict = {key: request.args[key] for key in SINGLE_PARAMS if request.args.get(key)}
    if "q" in args:
        args["q"] = args["q"][:MAX_QUERY_CHARS]  # an over-long query is cut, not refused
    for key in LIST_PARAMS:
        values = [v for v in request.args.getlist(key) if v]
        if values:
            args[key] = values
    return args


def search_url(args: dict, **changes) -> str:
    """This search with some parameters changed (None removes one); back to page 1."""
    merged = {key: value for key, value in args.items() if key != "page"}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return url_for("search.search", **merged)


def _toggle(args: dict, name: str, key: str) -> tuple[bool, str]:
    if name in LIST_PARAMS:
        current = list(args.get(name, []))
        selected = key in current
        values = [v for v in current if v != key] if selected else current + [key]
        return selected, search_url(args, **{name: values or None})
    selected = str(args.get(name, "")) == str(key)
    return selected, search_url(args, **{name: None if selected else key})


def facet_groups(args: dict, page: search.SearchPage) -> list[FacetGroup]:
    labels = search.facet_labels(page.facets)
    language = current_language()
    # Each facet's title, its search parameter and how a value of it is labelled.
    describe: dict[str, tuple[Any, str, Callable[[str], str]]] = {
        "doc_type": (_l("Type"), "doc_type", doc_type_label),
        "tags": (_l("Topic"), "tag", lambda k: localized(labels.tags[k]) if k in labels.tags else k),
        "countries": (
            _l("Country"),
            "country",
            lambda k: localized(labels.countries[k]) if k in labels.countries else k,
        ),
        "language": (_l("Language"), "language", language_label),
        "year": (_l("Year"), "year", str),
        "organization": (
            _l("Organization"),
            "organization",
            lambda k: labels.organizations[k].display_name(language) if k in labels.organizations else k,
        ),
    }
    from rcm_exchange.web.forum import facet_describers

    describe.update(facet_describers(page.facets))
    groups = []
    for facet_name, (title, param, label) in describe.items():
        counts = page.facets.get(facet_name) or {}
        items = sorted(counts.items(), reverse=True) if facet_name in ("year", "ppt_year") else counts.items()
        values = []
        for key, count in items:
            selected, url = _toggle(args, param, str(key))
            values.append(FacetValue(label(str(key)), count, selected, url))
        if values:
            groups.append(FacetGroup(str(title), values, open=facet_name != "organization"))
    return groups


def searched_args(args: dict, params: search.SearchParams) -> dict:
    """The page's parameters as searched: filters typed in the box become the
    filters they name, and the box keeps the words."""
    searched = {
        key: value
        for key, value in args.items()
        if key not in ("q", *LIST_PARAMS, "doc_type", "language", "year", "organization")
    }
    values = {
        "q": params.q,
        "tag": params.tag,
        "country": params.country,
        "doc_type": params.doc_type,
        "language": params.language,
        "year": params.year,
        "organization": params.organization,
    }
    # As an address carries them: text, or a list of texts (the template and the facet
    # links read them so; a year or an organization id as a number ended in a 500).
    searched.update(
        {key: value if isinstance(value, list) else str(value) for key, value in values.items() if value}
    )
    return searched


def filter_chips(args: dict, params: search.SearchParams) -> list[FilterChip]:
    """One removable chip per filter in use, whether set by a facet or typed."""
    labels = search.facet_labels(
        {
            "tags": dict.fromkeys(params.tag, 0),
            "countries": dict.fromkeys(params.country, 0),
            "organization": {str(params.organization): 0} if params.organization else {},
        }
    )
    language = current_language()
    chips = [
        FilterChip(localized(labels.tags[t]) if t in labels.tags else t, _toggle(args, "tag", t)[1])
        for t in params.tag
    ]
    chips += [
        FilterChip(
            localized(labels.countries[c]) if c in labels.countries else c, _toggle(args, "country", c)[1]
        )
        for c in params.country
    ]
    for param, value, label in (
        ("doc_type", params.doc_type, doc_type_label),
        ("language", params.language, language_label),
        ("year", params.year, str),
        (
            "organization",
            params.organization,
            lambda k: (
                labels.organizations[str(k)].display_name(language)
                if str(k) in labels.organizations
                else str(k)
            ),
        ),
    ):
        if value:
            chips.append(FilterChip(label(value), search_url(args, **{param: None})))
    return chips


@bp.get("/search", endpoint="search")
def index():
    args = _query_args()
    try:
        params = search.SearchParams.from_loaded(
            load(DocumentSearchSchema(), {**args, "per_page": PAGE_SIZE})
        )
    except ValidationFailed as error:
        return render_template("search/index.html", args=args, page=None, errors=error.errors), 422
    try:
        result = search.search_documents(current_user, params)
    except ValidationFailed as error:  # a typed filter that names nothing, or words too broad
        return render_template("search/index.html", args=args, page=None, errors=error.errors), 422
    except SearchUnavailable as error:
        return render_template("search/index.html", args=args, page=None, unavailable=error.describe()), 503
    args = searched_args(args, result.params)
    return render_template(
        "search/index.html",
        args=args,
        page=result,
        chips=filter_chips(args, result.params),
        facets=facet_groups(args, result),
        search_url=search_url,
    )
