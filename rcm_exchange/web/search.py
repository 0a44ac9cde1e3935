"""The search page."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from rcm_exchange.errors import SearchUnavailable, ValidationFailed
from rcm_exchange.i18n import current_language, localized
from rcm_exchange.labels import doc_type_label, language_label
from rcm_exchange.schemas import load
from rcm_exchange.schemas.document_search import MAX_QUERY_LENGTH, DocumentSearchSchema
from rcm_exchange.services import search
from rcm_exchange.services.forum_search import KEYWORD_PARAMETERS

bp = Blueprint("search", __name__)

PAGE_SIZE = 20
LIST_PARAMS = ("tag", "country")
SINGLE_PARAMS = ("q", "doc_type", "language", "year", "organization", "sort", "page") + KEYWORD_PARAMETERS


@dataclass
class FacetValue:
    label: str
    count: int
    selected: bool
    url: str


@dataclass
class FacetGroup:
    title: str
    values: list[FacetValue]
    open: bool = True


def _query_args() -> dict:
    """The page's own parameters; anything else in the address is ignored."""
    args: dict = {key: request.args[key] for key in SINGLE_PARAMS if request.args.get(key)}
    if "q" in args:
        args["q"] = args["q"][:MAX_QUERY_LENGTH]  # an over-long query is cut, not refused
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
    describe = {
        "doc_type": (_l("Type"), "doc_type", doc_type_label),
        "tags": (_l("Topic"), "tag", lambda k: localized(labels.tags[k]) if k in labels.tags else k),
        "countries": (_l("Country"), "country",
                      lambda k: localized(labels.countries[k]) if k in labels.countries else k),
        "language": (_l("Language"), "language", language_label),
        "year": (_l("Year"), "year", str),
        "organization": (_l("Organization"), "organization",
                         lambda k: labels.organizations[k].display_name(language)
                         if k in labels.organizations else k),
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


@bp.get("/search", endpoint="search")
def index():
    args = _query_args()
    try:
        params = search.SearchParams.from_loaded(
            load(DocumentSearchSchema(), {**args, "per_page": PAGE_SIZE}))
    except ValidationFailed as error:
        return render_template("search/index.html", args=args, page=None, errors=error.errors), 422
    try:
        result = search.search_documents(current_user, params)
    except SearchUnavailable as error:
        return render_template("search/index.html", args=args, page=None,
                               unavailable=error.describe()), 503
    return render_template("search/index.html", args=args, page=result,
                           facets=facet_groups(args, result), search_url=search_url)
