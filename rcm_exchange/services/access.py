"""The one policy that answers every "may this account see or do X" question.

Pages, the API, search (inside the query, before paging and counting), feeds,
attachments, exports and notifications all ask here; nothing else decides.

Two tables declare it: ``TIER_READERS`` (with ``UNPUBLISHED_READERS``) says who reads
each visibility of published material, and who reads unpublished material;
``CAPABILITIES`` names what an account may do (``can(user, "review")``). Everything
below reads them: the clauses for queries, the search engines' filter, the checks on one
document, the navigation and the templates (``can`` is a template global).

The callers are an account, ``None`` (an anonymous visitor) or ``SYSTEM`` (the command
line, the worker and imports).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, true

from rcm_exchange.errors import Forbidden, NotFound
from rcm_exchange.models import Document, DocumentStatus, OrganizationKind, Role, Visibility
from search_index import AccessFilter

EDITABLE_STATUSES = frozenset(
    {DocumentStatus.DRAFT, DocumentStatus.CHANGES_REQUESTED, DocumentStatus.PUBLISHED}
)


class SystemActor:
    """The command line, the worker and imports: the machine acting for the Secretariat
    with no account. It holds every capability and reads everything; what it does is
    audited with no actor (``actor_id`` NULL). ``None`` is always an anonymous caller."""

    id = None
    is_authenticated = False
    active = False

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def is_signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.active)


def organization_id(user) -> int | None:
    return user.organization_id if is_signed_in(user) else None


def organization_kind(user) -> OrganizationKind | None:
    return user.organization.kind if is_signed_in(user) else None


@dataclass(frozen=True)
class Audience:
    """Who an entry of the tables below admits: anyone (signed out too), any signed-in
    account, accounts of one of ``roles``, accounts whose organization is of one of
    ``organization_kinds``. The system admits itself everywhere."""

    anyone: bool = False
    signed_in: bool = False
    roles: frozenset[Role] = frozenset()
    organization_kinds: frozenset[OrganizationKind] = frozenset()

    def admits(self, user) -> bool:
        if user is SYSTEM or self.anyone:
            return True
        if not is_signed_in(user):
            return False
        return self.signed_in or user.role in self.roles or organization_kind(user) in self.organization_kinds


MODERATORS = frozenset({Role.MODERATOR, Role.ADMIN})
ADMINISTRATORS = frozenset({Role.ADMIN})
SECRETARIAT_STAFF = frozenset({OrganizationKind.SECRETARIAT})
SIGNED_IN = Audience(signed_in=True)

# Who reads published material, tier by tier. The submitting organization also reads its
# own documents, whatever their tier or status (search engines apply the same rule through
# ``AccessFilter.organization_id``).
TIER_READERS: dict[Visibility, Audience] = {
    Visibility.PUBLIC: Audience(anyone=True),
    Visibility.PARTICIPANTS: SIGNED_IN,
    Visibility.MEMBERS: Audience(
        roles=MODERATORS, organization_kinds=SECRETARIAT_STAFF | {OrganizationKind.MEMBER_STATE}
    ),
    Visibility.SECRETARIAT: Audience(roles=MODERATORS, organization_kinds=SECRETARIAT_STAFF),
}
# Drafts, submissions, documents in review, sent back or withdrawn: besides the
# submitting organization, only those who review them.
UNPUBLISHED_READERS = Audience(roles=MODERATORS)

# What an account may do, by name: ``can(user, "review")``. Checks that need a document
# (editing it, uploading to it, its conversation) are the functions further down.
CAPABILITIES: dict[str, Audience] = {
    "create_document": SIGNED_IN,
    "see_own_documents": SIGNED_IN,
    "keep_form_drafts": SIGNED_IN,
    "answer_calls": SIGNED_IN,
    "follow": SIGNED_IN,
    "read_notifications": SIGNED_IN,
    "hold_api_tokens": SIGNED_IN,
    "review": Audience(roles=MODERATORS),
    # Take back or hand on an item that another moderator has claimed.
    "lead_review": Audience(roles=ADMINISTRATORS),
    # The Technical Secretariat's curation: tags, meetings, documents' standing and
    # meeting links, calls for practices.
    "curate_forum": Audience(roles=MODERATORS),
    # Accounts; organizations are managed with the accounts that belong to them.
    "administer": Audience(roles=ADMINISTRATORS),
    "manage_organizations": Audience(roles=ADMINISTRATORS),
    "see_audit_log": Audience(roles=ADMINISTRATORS),
    # The Secretariat's figures, a call's answers by status and organization among them.
    "see_statistics": Audience(roles=MODERATORS, organization_kinds=SECRETARIAT_STAFF),
}


def can(user, capability: str) -> bool:
    """Whether ``user`` (an account, ``None`` for anonymous, or ``SYSTEM``) may do it."""
    return CAPABILITIES[capability].admits(user)


def require(user, capability: str) -> None:
    if not can(user, capability):
        raise Forbidden()


def roles_with(capability: str) -> frozenset[Role]:
    """The roles holding a capability, for a query of the accounts to tell (moderators)."""
    audience = CAPABILITIES[capability]
    if audience.anyone or audience.signed_in or audience.organization_kinds:
        raise ValueError(f"{capability!r} is not granted by role alone")
    return audience.roles


def token_may_change_things(token) -> bool:
    """A read-only API token reads what its account may read and changes nothing."""
    return token is None or not token.read_only


def visible_levels(user) -> frozenset[Visibility]:
    """The visibilities of published material this account may read."""
    return frozenset(tier for tier, readers in TIER_READERS.items() if readers.admits(user))


def can_view_document(user, document: Document) -> bool:
    if document.organization_id is not None and document.organization_id == organization_id(user):
        return True
    if document.status == DocumentStatus.PUBLISHED:
        return TIER_READERS[document.visibility].admits(user)
    return UNPUBLISHED_READERS.admits(user)


def visible_documents_clause(user, *, published_only: bool = True) -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the documents ``can_view_document`` allows.

    With ``published_only`` (lists, feeds, browsing, export) the caller's own unpublished
    work is left out even though the caller may open it.
    """
    published = Document.status == DocumentStatus.PUBLISHED
    levels = visible_levels(user)
    every_tier = len(levels) == len(Visibility)
    unpublished = not published_only and UNPUBLISHED_READERS.admits(user)
    if every_tier:
        readable = true() if unpublished or published_only else published
    else:
        readable = and_(true() if published_only else published, Document.visibility.in_(sorted(levels)))
        if unpublished:
            readable = or_(readable, Document.status != DocumentStatus.PUBLISHED)
    own = Document.organization_id == organization_id(user) if is_signed_in(user) else false()
    readable = or_(readable, own)
    return and_(published, readable) if published_only else readable


def require_view_document(user, document: Document | None) -> Document:
    """The document, or NotFound: never reveal that a hidden document exists."""
    if document is None or not can_view_document(user, document):
        raise NotFound()
    return document


def can_edit_document(user, document: Document) -> bool:
    return is_of_submitting_organization(user, document) and document.status in EDITABLE_STATUSES


def can_see_history(user, document: Document) -> bool:
    return can(user, "review") or document.organization_id == organization_id(user)


# --- submitting and reviewing ------------------------------------------------

UPLOAD_STATUSES = frozenset({DocumentStatus.DRAFT, DocumentStatus.CHANGES_REQUESTED})


def is_of_submitting_organization(user, document: Document) -> bool:
    """Submitting, withdrawing and editing are done by the document's organization."""
    return is_signed_in(user) and document.organization_id == user.organization_id


def can_upload(user, document: Document) -> bool:
    # Attachments change with the draft; a published document's files are not swapped
    # under its readers.
    return is_of_submitting_organization(user, document) and document.status in UPLOAD_STATUSES


def can_take_part_in_conversation(user, document: Document) -> bool:
    """The conversation about a document is between its organization and the Secretariat:
    they read it and write in it; nobody else sees that it exists."""
    return can_view_document(user, document) and (
        can(user, "review") or is_of_submitting_organization(user, document)
    )


def require_conversation(user, document: Document) -> None:
    require_view_document(user, document)
    if not can_take_part_in_conversation(user, document):
        raise NotFound()


def require_submitting_organization(user, document: Document) -> None:
    require_view_document(user, document)
    if not is_of_submitting_organization(user, document):
        raise Forbidden()


def search_access_filter(user) -> AccessFilter:
    """The same rule as ``visible_documents_clause``, in the search engine's terms; the
    engine applies it inside the query, before paging and counting."""
    if visible_levels(user) == frozenset(Visibility):
        return AccessFilter(visibilities=frozenset(v.value for v in Visibility), everything=True)
    return AccessFilter(
        visibilities=frozenset(v.value for v in visible_levels(user)), organization_id=organization_id(user)
    )


def may_read_metrics(remote_addr: str | None, authorization: str, *, allowed: str, token: str | None) -> bool:
    """``/metrics`` answers the addresses and networks listed in ``RCM_METRICS_ALLOW``
    and a caller with ``Authorization: Bearer RCM_METRICS_TOKEN``; nobody else."""
    import hmac
    import ipaddress

    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    for entry in filter(None, (part.strip() for part in allowed.split(","))):
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


# --- the forum's structure -----------------------------------------------------


def may_answer_calls_of_kind(user, kinds) -> bool:
    """Whether the account's organization is of a kind a call asks to answer."""
    kind = organization_kind(user)
    return kind is not None and user.organization.active and kind.value in set(kinds)
