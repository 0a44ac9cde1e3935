"""Every move of a document's lifecycle, declared once with its rules.

    draft ──submit──▶ submitted ──claim──▶ in_review ──approve──▶ published ──archive──▶ archived
      ▲                   │                   │  │
      └──── edit ◀── changes_requested ◀──────┘  └──reject──▶ rejected

Each ``Transition`` says where it starts and ends, who may make it, what it does to the
claim and to the document's times, whether it needs a comment, what it is called, and
who is told of it by which message. ``lifecycle.transition`` makes any of them; the
review service, the schemas, the notifications, the pages and their templates read
this table, so a new move is one entry here (plus its words in the catalogue); a new
message kind (``Notice.kind``) also needs its text and its preference kind in
``services.notifications``.

This module declares and derives only: it reads no database, so schemas and labels can
import it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from rcm_exchange.models import DocumentStatus

S = DocumentStatus

# Where an item waits in review, between its submission and the Secretariat's decision: a
# document or revision in one of these is pending, and the review queue lists them.
PENDING_REVIEW = (S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED)

# The capabilities a move needs, as the access policy names them.
SUBMIT = "submit"  # be of the document's submitting organization
REVIEW = "review"  # be a moderator of the Secretariat


class Claim(enum.Enum):
    """What a move does to the moderator who holds the item."""

    KEEP = "keep"
    TAKE = "take"  # the acting moderator holds it
    ASSIGN = "assign"  # the moderator it is handed to holds it
    CLEAR = "clear"  # nobody holds it


class Audience(enum.Enum):
    """Who hears of a move. Nobody is told of what they did themselves, nor of a
    document they may no longer open."""

    MODERATORS = "moderators"  # every active moderator
    AUTHOR = "author"  # whoever wrote the document, or the revision it decides
    ASSIGNEE = "assignee"  # the moderator the item now goes to


@dataclass(frozen=True)
class Notice:
    audience: Audience
    kind: str  # the notification's kind: which message ``services.notifications`` sends


@dataclass(frozen=True)
class Answer:
    """How a move answering a request for changes differs: it goes back to the moderator
    who asked (when they can still review), and keeps its first place in the queue."""

    target: DocumentStatus
    stamps: tuple[str, ...]  # instead of the move's own stamps
    notice: Notice  # to the moderator who asked, instead of the move's own notice


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[DocumentStatus]
    target: DocumentStatus
    capability: str
    done_label: LazyString  # past tense: "the document was %(action)s"
    button_label: LazyString  # what the button that makes the move says
    audit_label: LazyString  # what history pages and the audit log call the event
    # Once a moderator has claimed an item, only they (or a lead moderator) act on it.
    claimant_only: bool = False
    claim: Claim = Claim.KEEP
    comment_required: bool = False
    # Times of the document set when the document itself moves (a revision's moves
    # leave them), of a pending revision when it moves, and times emptied.
    stamps: tuple[str, ...] = ()
    revision_stamps: tuple[str, ...] = ()
    clears: tuple[str, ...] = ()
    # The move is on the document itself, whose pending revisions are dropped.
    drops_revisions: bool = False
    answer: Answer | None = None
    notice: Notice | None = None
    # A moderator's decision on a submission (statistics time them).
    decision: bool = False
    # Where it is offered: the API's POST /documents/<id>/review, the review page's
    # buttons, the queue's decision for several documents.
    in_api: bool = False
    on_review_page: bool = False
    in_bulk_choice: bool = False
    button_class: str = ""


TRANSITIONS: dict[str, Transition] = {
    rule.name: rule
    for rule in (
        Transition(
            "submit",
            frozenset({S.DRAFT, S.CHANGES_REQUESTED}),
            S.SUBMITTED,
            SUBMIT,
            _l("submitted"),
            _l("Submit for review"),
            _l("Submitted"),
            stamps=("submitted_at",),
            answer=Answer(S.IN_REVIEW, ("resubmitted_at",), Notice(Audience.ASSIGNEE, "resubmitted")),
            notice=Notice(Audience.MODERATORS, "submitted"),
        ),
        Transition(
            "withdraw",
            frozenset({S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED}),
            S.DRAFT,
            SUBMIT,
            _l("withdrawn"),
            _l("Withdraw"),
            _l("Withdrawn"),
            claim=Claim.CLEAR,
            revision_stamps=("decided_at",),
            clears=("resubmitted_at",),
        ),
        Transition(
            "claim",
            frozenset({S.SUBMITTED}),
            S.IN_REVIEW,
            REVIEW,
            _l("claimed"),
            _l("Claim"),
            _l("Claimed for review"),
            claim=Claim.TAKE,
            notice=Notice(Audience.AUTHOR, "claimed"),
            in_api=True,
            on_review_page=True,
            in_bulk_choice=True,
        ),
        Transition(
            "release",
            frozenset({S.IN_REVIEW}),
            S.SUBMITTED,
            REVIEW,
            _l("released"),
            _l("Release to the queue"),
            _l("Released to the queue"),
            claimant_only=True,
            claim=Claim.CLEAR,
            on_review_page=True,
            button_class="secondary outline",
        ),
        Transition(
            "reassign",
            frozenset({S.SUBMITTED, S.IN_REVIEW}),
            S.IN_REVIEW,
            REVIEW,
            _l("reassigned"),
            _l("Reassign"),
            _l("Reassigned"),
            claimant_only=True,
            claim=Claim.ASSIGN,
            notice=Notice(Audience.ASSIGNEE, "assigned"),
        ),
        Transition(
            "approve",
            frozenset({S.IN_REVIEW}),
            S.PUBLISHED,
            REVIEW,
            _l("approved"),
            _l("Approve"),
            _l("Approved"),
            claimant_only=True,
            claim=Claim.CLEAR,
            stamps=("published_at",),
            revision_stamps=("decided_at",),
            clears=("resubmitted_at",),
            notice=Notice(Audience.AUTHOR, "approved"),
            decision=True,
            in_api=True,
            on_review_page=True,
            in_bulk_choice=True,
        ),
        Transition(
            "request_changes",
            frozenset({S.IN_REVIEW}),
            S.CHANGES_REQUESTED,
            REVIEW,
            _l("sent back for changes"),
            _l("Request changes"),
            _l("Changes requested"),
            claimant_only=True,
            claim=Claim.CLEAR,
            comment_required=True,
            notice=Notice(Audience.AUTHOR, "changes_requested"),
            decision=True,
            in_api=True,
            on_review_page=True,
            in_bulk_choice=True,
            button_class="secondary",
        ),
        Transition(
            "reject",
            frozenset({S.IN_REVIEW}),
            S.REJECTED,
            REVIEW,
            _l("rejected"),
            _l("Reject"),
            _l("Rejected"),
            claimant_only=True,
            claim=Claim.CLEAR,
            comment_required=True,
            revision_stamps=("decided_at",),
            clears=("resubmitted_at",),
            notice=Notice(Audience.AUTHOR, "rejected"),
            decision=True,
            in_api=True,
            on_review_page=True,
            in_bulk_choice=True,
            button_class="secondary outline",
        ),
        Transition(
            "archive",
            frozenset({S.PUBLISHED}),
            S.ARCHIVED,
            REVIEW,
            _l("archived"),
            _l("Archive"),
            _l("Archived"),
            drops_revisions=True,
            notice=Notice(Audience.AUTHOR, "archived"),
            in_api=True,
            on_review_page=True,
            button_class="secondary",
        ),
    )
}

# The actions of POST /documents/<id>/review, as the API contract names them.
REVIEW_ACTIONS = tuple(name for name, rule in TRANSITIONS.items() if rule.in_api)
# The review page's buttons: the API's actions, then those only the pages offer.
PAGE_ACTIONS = REVIEW_ACTIONS + tuple(
    name for name, rule in TRANSITIONS.items() if rule.on_review_page and not rule.in_api
)
BULK_ACTIONS = tuple(name for name, rule in TRANSITIONS.items() if rule.in_bulk_choice)
# Moves that must say why: the submitter reads the comment.
COMMENT_REQUIRED = frozenset(name for name, rule in TRANSITIONS.items() if rule.comment_required)
COMMENT_MISSING = _l("Say what should change: the submitter reads this comment.")
DECISIONS = tuple(name for name, rule in TRANSITIONS.items() if rule.decision)
# The moves a submission answering a request for changes answers.
CHANGE_REQUESTS = tuple(name for name, rule in TRANSITIONS.items() if rule.target == S.CHANGES_REQUESTED)
