"""Searching by the forum's structure: a document's meetings, their bodies and PPT
years, its standing, and the call it answers.

They travel through the engines' existing multi-valued keyword field, the one tags use:
each becomes a keyword ``kind:value`` (``meeting:12``, ``body:rcgm``, ``standing:declaration``,
``ppt_year:2024``, ``call:3``) beside the tag slugs, which never hold a colon. Filtering
on them is the engines' "every one of these keywords" filter, and their counts come back
in the same facet, under the same access filter, so no engine needed a field of its own;
this module adds them to a document's entry and a query and splits them out of the
counts again.
"""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import select

from rcm_exchange.extensions import db
from rcm_exchange.forum_facets import FACETS, KEYWORD_PARAMETERS, SEPARATOR
from rcm_exchange.models import Document, Meeting, RcmBody


def keyword(kind: str, value) -> str:
    return f"{kind}{SEPARATOR}{value}"


def keywords(document: Document) -> list[str]:
    """What a document is to the forum, as index keywords."""
    found = []
    if document.standing_record is not None:
        found.append(keyword("standing", document.standing_record.standing.value))
    for link in document.meeting_links:
        meeting = link.meeting
        found += [
            keyword("meeting", meeting.id),
            keyword("body", meeting.body.slug),
            keyword("ppt_year", meeting.ppt_year),
        ]
    if document.call_answer is not None:
        found.append(keyword("call", document.call_answer.call_id))
    return list(dict.fromkeys(found))


def filter_keywords(params) -> tuple[str, ...]:
    """The keywords a search's parameters require."""
    return tuple(
        keyword(name, getattr(params, name))
        for name in KEYWORD_PARAMETERS
        if getattr(params, name, None) not in (None, "")
    )


def split_facets(facets: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """The engine's counts with the keywords moved from ``tags`` to facets of their own."""
    tags: dict[str, int] = {}
    forum: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for key, count in (facets.get("tags") or {}).items():
        kind, separator, value = key.partition(SEPARATOR)
        if not separator:
            tags[key] = count
        elif kind in forum:
            forum[kind][value] = count
    return {**facets, "tags": tags, **forum}


class ForumFacetLabels(TypedDict):
    meeting: dict[str, Meeting]  # by the meeting's id, as the facet keys it
    body: dict[str, RcmBody]  # by slug


def facet_labels(facets: dict[str, dict[str, int]]) -> ForumFacetLabels:
    """The meeting and body records behind facet keys (two queries)."""
    meeting_ids = [int(k) for k in facets.get("meeting", {}) if k.isdigit()]
    body_slugs = list(facets.get("body", {}))
    return {
        "meeting": {
            str(m.id): m for m in db.session.scalars(select(Meeting).where(Meeting.id.in_(meeting_ids)))
        },
        "body": {b.slug: b for b in db.session.scalars(select(RcmBody).where(RcmBody.slug.in_(body_slugs)))},
    }
