"""HTML blueprints. Views parse input, call one service function, and render."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for
from flask_babel import lazy_gettext as _l

from rcm_exchange.services import access


def safe_next_url(target: str | None, fallback_endpoint: str = "main.home") -> str:
    """A redirect target on this site only: a path, never ``//host``, ``/\\host`` or a scheme."""
    if target and _is_local_path(target):
        return target
    return url_for(fallback_endpoint)


def _is_local_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def current_path() -> str:
    return request.full_path.rstrip("?") if request.query_string else request.path


# The document page lives in the documents blueprint; lists link to it through here only.
DOCUMENT_ENDPOINT = "documents.detail"


def has_endpoint(endpoint: str) -> bool:
    """Whether a page exists, so navigation links only to pages that are there."""
    return endpoint in current_app.view_functions


def document_url(document, **values) -> str | None:
    if not has_endpoint(DOCUMENT_ENDPOINT):
        return None
    return url_for(DOCUMENT_ENDPOINT, document_id=document.id, **values)


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: str
    current: bool


# (endpoint, label, the capability that shows the link: ``access.CAPABILITIES``); a page
# that is not registered is left out.
NAVIGATION = (
    ("browse.topics", _l("Browse"), None),
    ("search.search", _l("Search"), None),
    ("meetings.index", _l("Meetings"), None),
    ("calls.index", _l("Calls for practices"), None),
    ("documents.mine", _l("My documents"), "see_own_documents"),
    ("review.queue", _l("Review queue"), "review"),
    ("notifications.index", _l("Notifications"), "read_notifications"),
    ("following.index", _l("Following"), "follow"),
    ("statistics.overview", _l("Statistics"), "see_statistics"),
    ("admin.users", _l("Accounts"), "administer"),
    ("audit.index", _l("Audit log"), "see_audit_log"),
    ("curation.tags", _l("Taxonomy"), "curate_forum"),
    ("curation.organizations_index", _l("Organizations"), "manage_organizations"),
)


def main_navigation(user) -> list[NavLink]:
    here = (request.endpoint or "").split(".")[0] if has_request_context() else ""
    return [
        NavLink(endpoint, str(label), endpoint.split(".")[0] == here)
        for endpoint, label, capability in NAVIGATION
        if (capability is None or access.can(user, capability)) and has_endpoint(endpoint)
    ]


def register_template_globals(app) -> None:
    """The pages' own helpers: where a page is, its links and the navigation."""
    app.jinja_env.globals.update(
        current_path=current_path,
        document_url=document_url,
        has_endpoint=has_endpoint,
        main_navigation=main_navigation,
        can=access.can,
    )
