"""Browsing besides search: by pillar and theme, country, organization, type and year."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from rcm_exchange.i18n import current_language
from rcm_exchange.schemas import whole_number
from rcm_exchange.services import browse, merged_tags

bp = Blueprint("browse", __name__, url_prefix="/browse")


def _int_arg(name: str) -> int | None:
    return whole_number(request.args.get(name, ""))


def _listing(kind: str, **names):
    narrowing = {"doc_type": request.args.get("type") or None, "year": _int_arg("year")}
    narrowing.update({key: value for key, value in names.items() if value is not None})
    result = browse.listing(current_user, page=_int_arg("page") or 1, **narrowing)
    return render_template(
        "browse/listing.html", kind=kind, listing=result, chosen=result.chosen, documents=result.documents
    )


@bp.get("/")
def topics():
    return render_template("browse/topics.html", overview=browse.tag_overview(current_user))


@bp.get("/countries")
def countries():
    return render_template(
        "browse/countries.html", overview=browse.country_overview(current_user, current_language())
    )


@bp.get("/organizations")
def organizations():
    return render_template(
        "browse/organizations.html", groups=browse.organization_overview(current_user, current_language())
    )


@bp.get("/types")
def types():
    return render_template("browse/types.html", overview=browse.type_year_overview(current_user))


@bp.get("/topics/<slug>")
def topic(slug: str):
    current = merged_tags.current_tag(slug)
    if current is not None and current.slug != slug:  # a merged tag's address leads on
        arguments: dict[str, Any] = request.args.to_dict()  # the first value of each, as before
        return redirect(url_for("browse.topic", slug=current.slug, **arguments), 301)
    return _listing("topic", tag=slug)


@bp.get("/countries/<code>")
def country(code: str):
    return _listing("country", country=code)


@bp.get("/organizations/<int:organization_id>")
def organization(organization_id: int):
    return _listing("organization", organization=organization_id)


@bp.get("/types/<doc_type>")
def doc_type(doc_type: str):
    return _listing("type", doc_type=doc_type)


@bp.get("/years/<int:year>")
def year(year: int):
    return _listing("year", year=year)
