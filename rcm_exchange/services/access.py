"""The one policy that answers every "may this account see or do X" question.

Pages, the API, search (inside the query, before paging and counting), feeds,
attachments, exports and notifications all ask here; nothing else decides.

Published material is seen by visibility:
    public        everyone, signed in or not
    participants  any signed-in account
    members       accounts of member states and of the Secretariat
    secretariat   the submitting organization and the Secretariat
Unpublished material is seen only by the submitting organization and moderators.
The submitting organization always sees its own documents.
"""
from __future__ import annotations

from search_index import AccessFilter
from sqlalchemy import ColumnElement, and_, false, or_, true

from rcm_exchange.errors import Forbidden, NotFound
from rcm_exchange.models import Document, DocumentStatus, OrganizationKind, Role, Visibility

EDITABLE_STATUSES = frozenset(
    {DocumentStatus.DRAFT, DocumentStatus.CHANGES_REQUESTED, DocumentStatus.PUBLISHED}
)


def is_signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.active)


def organization_id(user) -> int | None:
    return user.organization_id if is_signed_in(user) else None


def organization_kind(user) -> OrganizationKind | None:
    return user.organization.kind if is_signed_in(user) else None


def is_moderator(user) -> bool:
    return is_signed_in(user) and user.role in (Role.MODERATOR, Role.ADMIN)


def is_admin(user) -> bool:
    return is_signed_in(user) and user.role == Role.ADMIN


def token_may_change_things(token) -> bool:
    """A read-only API token reads what its account may read and changes nothing."""
    return token is None or not token.read_only


def sees_everything_published(user) -> bool:
    return is_moderator(user) or organization_kind(user) == OrganizationKind.SECRETARIAT


def visible_levels(user) -> frozenset[Visibility]:
    """The visibilities of published material this account may read."""
    if not is_signed_in(user):
        return frozenset({Visibility.PUBLIC})
    if sees_everything_published(user):
        return frozenset(Visibility)
    levels = {Visibility.PUBLIC, Visibility.PARTICIPANTS}
    if organization_kind(user) == OrganizationKind.MEMBER_STATE:
        levels.add(Visibility.MEMBERS)
    return frozenset(levels)


def can_view_document(user, document: Document) -> bool:
    if is_moderator(user) or document.organization_id == organization_id(user):
        return True
    return document.status == DocumentStatus.PUBLISHED and document.visibility in visible_levels(user)


def visible_documents_clause(user, *, published_only: bool = True) -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the documents ``can_view_document`` allows.

    With ``published_only`` (lists, feeds, browsing, export) the caller's own unpublished
    work is left out even though the caller may open it.
    """
    published = Document.status == DocumentStatus.PUBLISHED
    if is_moderator(user):
        return published if published_only else true()
    own = Document.organization_id == organization_id(user) if is_signed_in(user) else false()
    by_level = and_(published, Document.visibility.in_(sorted(visible_levels(user))))
    if published_only:
        return and_(published, or_(by_level, own))
    return or_(by_level, own)


def all_published_clause() -> ColumnElement[bool]:
    """Every published document: what the command line's export, acting for the
    Secretariat, writes out."""
    return Document.status == DocumentStatus.PUBLISHED


def require_view_document(user, document: Document | None) -> Document:
    """The document, or NotFound: never reveal that a hidden document exists."""
    if document is None or not can_view_document(user, document):
        raise NotFound()
    return document


def can_edit_document(user, document: Document) -> bool:
    return (
        is_signed_in(user)
        and document.organization_id == user.organization_id
        and document.status in EDITABLE_STATUSES
    )


def can_see_history(user, document: Document) -> bool:
    return is_moderator(user) or document.organization_id == organization_id(user)


def require_moderator(user) -> None:
    if not is_moderator(user):
        raise Forbidden()


def require_admin(user) -> None:
    if not is_admin(user):
        raise Forbidden()


def require_signed_in(user) -> None:
    if not is_signed_in(user):
        raise Forbidden()


def can_see_statistics(user) -> bool:
    """The Secretariat's figures: moderators, administrators and Secretariat staff."""
    return is_moderator(user) or organization_kind(user) == OrganizationKind.SECRETARIAT


def require_statistics(user) -> None:
    if not can_see_statistics(user):
        raise Forbidden()


# --- submitting and reviewing ------------------------------------------------

UPLOAD_STATUSES = frozenset({DocumentStatus.DRAFT, DocumentStatus.CHANGES_REQUESTED})


def can_create_document(user) -> bool:
    return is_signed_in(user)


def is_of_submitting_organization(user, document: Document) -> bool:
    """Submitting, withdrawing and editing are done by the document's organization."""
    return is_signed_in(user) and document.organization_id == user.organization_id


def can_upload(user, document: Document) -> bool:
    # Attachments change with the draft; a published document's files are not swapped
    # under its readers.
    return is_of_submitting_organization(user, document) and document.status in UPLOAD_STATUSES


def can_review(user) -> bool:
    return is_moderator(user)


def is_lead_moderator(user) -> bool:
    """May take back or hand on an item that another moderator has claimed."""
    return is_admin(user)


def can_see_audit_log(user) -> bool:
    return is_admin(user)


def can_take_part_in_conversation(user, document: Document) -> bool:
    """The conversation about a document is between its organization and the Secretariat:
    they read it and write in it; nobody else sees that it exists."""
    return can_view_document(user, document) and (
        is_moderator(user) or is_of_submitting_organization(user, document))


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
    if sees_everything_published(user):
        return AccessFilter(visibilities=frozenset(v.value for v in Visibility), everything=True)
    return AccessFilter(visibilities=frozenset(v.value for v in visible_levels(user)),
                        organization_id=organization_id(user))


def may_read_metrics(remote_addr: str | None, authorization: str, *, allowed: str,
                     token: str | None) -> bool:
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

def can_curate_forum(user) -> bool:
    """The Technical Secretariat's curation: tags, meetings, documents' standing and
    meeting links, calls for practices. Its moderators and administrators do it."""
    return is_moderator(user)


def require_curator(user) -> None:
    if not can_curate_forum(user):
        raise Forbidden()


def can_manage_organizations(user) -> bool:
    """Organizations are managed with the accounts that belong to them."""
    return is_admin(user)


def require_organization_manager(user) -> None:
    if not can_manage_organizations(user):
        raise Forbidden()


def may_answer_calls_of_kind(user, kinds) -> bool:
    """Whether the account's organization is of a kind a call asks to answer."""
    kind = organization_kind(user)
    return kind is not None and user.organization.active and kind.value in set(kinds)


def can_see_call_counts(user) -> bool:
    """A call's answers by status and organization: the Secretariat's figures."""
    return can_see_statistics(user)
