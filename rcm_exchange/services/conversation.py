"""The conversation about a document between its organization and the Technical
Secretariat: comments and replies, who wrote them and when, and telling the other side.

Who may read and write is ``access.can_take_part_in_conversation``; moderators' decision
comments stay in the history, this is the exchange around them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from rcm_exchange.errors import ValidationFailed
from rcm_exchange.extensions import db
from rcm_exchange.models import Document, DocumentComment, User
from rcm_exchange.sanitize import clean_plain_text
from rcm_exchange.services import access
from rcm_exchange.services.unit_of_work import unit_of_work

COMMENT_MAX = 10_000


@dataclass
class Thread:
    comment: DocumentComment
    replies: list[DocumentComment] = field(default_factory=list)

    @property
    def last_at(self) -> datetime:
        return (self.replies[-1] if self.replies else self.comment).created_at


def conversation(user, document: Document) -> list[Thread]:
    """The document's threads, oldest first, each with its replies; empty for anyone
    outside the conversation (the page then shows no conversation at all)."""
    if not access.can_take_part_in_conversation(user, document):
        return []
    comments = list(
        db.session.scalars(
            select(DocumentComment)
            .where(DocumentComment.document_id == document.id)
            .options(selectinload(DocumentComment.author).selectinload(User.organization))
            .order_by(DocumentComment.created_at, DocumentComment.id)
        )
    )
    threads = {c.id: Thread(c) for c in comments if c.parent_id is None}
    for comment in comments:
        if comment.parent_id is not None and comment.parent_id in threads:
            threads[comment.parent_id].replies.append(comment)
    return list(threads.values())


def add_comment(user, document: Document, body: str, *, parent_id: int | None = None) -> DocumentComment:
    """A comment (or, with ``parent_id``, a reply) by ``user``; the other side is told."""
    from rcm_exchange.services import notifications

    access.require_conversation(user, document)
    text = clean_plain_text(body or "")
    if not text:
        raise ValidationFailed(errors={"body": [_("Write your comment first.")]})
    if len(text) > COMMENT_MAX:
        raise ValidationFailed(
            errors={
                "body": [
                    _(
                        "A comment can be at most %(max)d characters long; this one has %(count)d.",
                        max=COMMENT_MAX,
                        count=len(text),
                    )
                ]
            }
        )
    parent = None
    if parent_id is not None:
        parent = db.session.get(DocumentComment, parent_id)
        if parent is None or parent.document_id != document.id:
            raise ValidationFailed(errors={"body": [_("The comment you answered no longer exists.")]})
        if parent.parent_id is not None:  # replies stay one level deep
            parent = db.session.get(DocumentComment, parent.parent_id)
    with unit_of_work():
        comment = DocumentComment(
            document_id=document.id,
            author_id=user.id,
            body=text,
            parent_id=parent.id if parent is not None else None,
        )
        db.session.add(comment)
        db.session.flush()
        notifications.comment_added(document, comment, _recipients(user, document, parent))
    return comment


def _recipients(user, document: Document, parent: DocumentComment | None) -> list[User]:
    """The other side: moderators hear from the organization (the one reviewing it, else
    every moderator); the organization's author (and whoever wrote the answered comment)
    hears from the Secretariat."""
    people: dict[int, User] = {}
    if access.can(user, "review"):
        for person in (document.author, parent.author if parent is not None else None):
            if person is not None:
                people[person.id] = person
    else:
        if document.claimed_by is not None:
            people[document.claimed_by.id] = document.claimed_by
        else:
            for moderator in db.session.scalars(
                select(User).where(User.active, User.role.in_(sorted(access.roles_with("review"))))
            ):
                people[moderator.id] = moderator
        if parent is not None and parent.author is not None:
            people[parent.author.id] = parent.author
    return [
        person
        for person in people.values()
        if person.id != user.id and person.active and access.can_take_part_in_conversation(person, document)
    ]
