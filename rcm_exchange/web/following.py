"""Following: the Follow buttons of listings and search, the page that manages what an
account follows and how it hears of things, and the unsubscribe link of digests."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from rcm_exchange.errors import ValidationFailed
from rcm_exchange.extensions import csrf
from rcm_exchange.labels import DELIVERIES, FREQUENCIES
from rcm_exchange.models import SubscriptionKind
from rcm_exchange.schemas import form_data, load
from rcm_exchange.schemas.document_search import LIST_PARAMETERS
from rcm_exchange.schemas.following import FrequencySchema, PreferencesSchema, follow_schema
from rcm_exchange.services import feeds, following
from rcm_exchange.web import safe_next_url

bp = Blueprint("following", __name__, url_prefix="/following")


@dataclass(frozen=True)
class FollowTarget:
    """What a page's Follow button and feed link stand for."""

    kind: SubscriptionKind
    subject: object | None  # the listing's subject, to show "You follow this"
    fields: dict  # the follow form's search parameters
    feed_args: dict  # the Atom feed's parameters
    title: str  # the feed's title, in the page's language


def listing_target(kind: str, chosen) -> FollowTarget:
    """A browse listing's subject (see ``browse.Selection``)."""
    narrowing = {"doc_type": chosen.doc_type.value if chosen.doc_type else None, "year": chosen.year}
    subjects = {
        "topic": (SubscriptionKind.TOPIC, "tag", chosen.tag.slug if chosen.tag else None),
        "country": (SubscriptionKind.COUNTRY, "country", chosen.country.code if chosen.country else None),
        "organization": (
            SubscriptionKind.ORGANIZATION,
            "organization",
            chosen.organization.id if chosen.organization else None,
        ),
        "type": (SubscriptionKind.DOC_TYPE, "doc_type", narrowing["doc_type"]),
        "year": (SubscriptionKind.SEARCH, "year", chosen.year),
    }
    follow_kind, name, subject = subjects[kind]
    feed_args = {key: value for key, value in {**narrowing, name: subject}.items() if value is not None}
    return FollowTarget(
        follow_kind,
        None if follow_kind == SubscriptionKind.SEARCH else subject,
        {name: subject},
        feed_args,
        feeds.feed_title(feed_args),
    )


def search_target(args: dict) -> FollowTarget:
    """The search page's words and filters (``web.search``'s parameters)."""
    followed = {
        key: int(value) if key in ("year", "organization") else value
        for key, value in args.items()
        if key in following.SEARCH_PARAMETERS
    }
    return FollowTarget(SubscriptionKind.SEARCH, None, followed, followed, feeds.feed_title(followed))


@bp.app_context_processor
def follow_helpers():
    return {
        "is_following": lambda kind, subject: following.is_following(
            current_user, SubscriptionKind(kind), subject
        ),
        "listing_target": listing_target,
        "search_target": search_target,
    }


def _render_index(errors=None, status=200):
    return render_template(
        "following/index.html",
        subscriptions=following.subscriptions_of(current_user),
        describe=following.describe,
        listing_url=following.listing_url,
        preferences=following.preferences(current_user),
        frequencies=FREQUENCIES,
        deliveries=DELIVERIES,
        errors=errors or {},
    ), status


@bp.get("")
@login_required
def index():
    return _render_index()


@bp.post("")
@login_required
def follow():
    try:
        subscription, created = following.follow(
            current_user, load(follow_schema(), form_data(request.form, LIST_PARAMETERS))
        )
    except ValidationFailed as error:
        return _render_index(error.errors, 422)
    name = following.describe(subscription)
    if created:
        flash(
            _("You now follow %(name)s. Change how often you hear of it under Following.", name=name),
            "success",
        )
    else:
        flash(_("You already follow %(name)s.", name=name), "info")
    return redirect(safe_next_url(request.form.get("next"), "following.index"))


@bp.post("/<int:subscription_id>/frequency")
@login_required
def frequency(subscription_id: int):
    try:
        data = load(FrequencySchema(), form_data(request.form))
    except ValidationFailed as error:
        return _render_index(error.errors, 422)
    subscription = following.set_frequency(current_user, subscription_id, data["frequency"])
    flash(_("Saved: %(name)s.", name=following.describe(subscription)), "success")
    return redirect(url_for("following.index"))


@bp.post("/<int:subscription_id>/delete")
@login_required
def unfollow(subscription_id: int):
    name = following.unfollow(current_user, subscription_id)
    flash(_("You no longer follow %(name)s.", name=name), "success")
    return redirect(url_for("following.index"))


@bp.post("/preferences")
@login_required
def preferences():
    try:
        following.set_preferences(current_user, load(PreferencesSchema(), form_data(request.form)))
    except ValidationFailed as error:
        return _render_index(error.errors, 422)
    flash(_("Your notification settings are saved."), "success")
    return redirect(url_for("following.index"))


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    """The link of a digest: it asks before stopping anything, because mail scanners
    open links; the button (or a mail program's one-click POST) stops it."""
    wanted = following.read_unsubscribe_token(token)
    return render_template(
        "following/unsubscribe.html",
        token=token,
        wanted=wanted,
        names=[following.describe(s) for s in wanted.subscriptions],
        done=None,
    )


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # the signed token is the authority; mail programs post without a form
def unsubscribe_now(token: str):
    names = following.unsubscribe(token)
    return render_template("following/unsubscribe.html", token=token, wanted=None, names=names, done=True)
