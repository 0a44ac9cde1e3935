"""The one mapping from stored enum values to the words a user reads, in the page's language.

Templates call these as globals (``doc_type_label(document.doc_type)``); Python code imports
them. Each accepts the enum member or its stored value, and returns the value itself for
anything unknown, so a new enum member shows up as its code instead of breaking a page.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from rcm_exchange import content
from rcm_exchange.models import (
    BodyKind,
    Delivery,
    DocType,
    DocumentStatus,
    Frequency,
    ImplementationStatus,
    Language,
    MeetingRole,
    NotificationKind,
    OrganizationKind,
    Role,
    Standing,
    SubscriptionKind,
    Visibility,
)
from rcm_exchange.transitions import TRANSITIONS

DOC_TYPES = {
    DocType.PRACTICE_REPORT: _l("Practice report"),
    DocType.GUIDANCE: _l("Guidance"),
    DocType.EXPERIENCE: _l("Experience"),
}

# Plural forms for headings of browse pages ("Practice reports, 2024").
DOC_TYPES_PLURAL = {
    DocType.PRACTICE_REPORT: _l("Practice reports"),
    DocType.GUIDANCE: _l("Guidance documents"),
    DocType.EXPERIENCE: _l("Experiences"),
}

STATUSES = {
    DocumentStatus.DRAFT: _l("Draft"),
    DocumentStatus.SUBMITTED: _l("Submitted"),
    DocumentStatus.IN_REVIEW: _l("In review"),
    DocumentStatus.CHANGES_REQUESTED: _l("Changes requested"),
    DocumentStatus.PUBLISHED: _l("Published"),
    DocumentStatus.REJECTED: _l("Rejected"),
    DocumentStatus.ARCHIVED: _l("Archived"),
}

VISIBILITIES = {
    Visibility.PUBLIC: _l("Public"),
    Visibility.PARTICIPANTS: _l("Participants"),
    Visibility.MEMBERS: _l("Member states"),
    Visibility.SECRETARIAT: _l("Secretariat"),
}

VISIBILITY_DESCRIPTIONS = {
    Visibility.PUBLIC: _l("Everyone, also without signing in"),
    Visibility.PARTICIPANTS: _l("Anyone with an account"),
    Visibility.MEMBERS: _l("Member states and the Technical Secretariat"),
    Visibility.SECRETARIAT: _l("Your organization and the Technical Secretariat"),
}

IMPLEMENTATION_STATUSES = {
    ImplementationStatus.PLANNED: _l("Planned"),
    ImplementationStatus.ONGOING: _l("Ongoing"),
    ImplementationStatus.COMPLETED: _l("Completed"),
    ImplementationStatus.DISCONTINUED: _l("Discontinued"),
}

LANGUAGES = {
    Language.ES: _l("Spanish"),
    Language.EN: _l("English"),
    Language.FR: _l("French"),
    Language.PT: _l("Portuguese"),
}

ORGANIZATION_KINDS = {
    OrganizationKind.MEMBER_STATE: _l("Member state"),
    OrganizationKind.OBSERVER_STATE: _l("Observer state"),
    OrganizationKind.OBSERVER_ORG: _l("Observer organization"),
    OrganizationKind.CIVIL_SOCIETY: _l("Civil society"),
    OrganizationKind.SECRETARIAT: _l("Technical Secretariat"),
}

ORGANIZATION_KINDS_PLURAL = {
    OrganizationKind.MEMBER_STATE: _l("Member states"),
    OrganizationKind.OBSERVER_STATE: _l("Observer states"),
    OrganizationKind.OBSERVER_ORG: _l("Observer organizations"),
    OrganizationKind.CIVIL_SOCIETY: _l("Civil society"),
    OrganizationKind.SECRETARIAT: _l("Technical Secretariat"),
}

ROLES = {
    Role.CONTRIBUTOR: _l("Contributor"),
    Role.MODERATOR: _l("Moderator"),
    Role.ADMIN: _l("Administrator"),
}

FREQUENCIES = {
    Frequency.IMMEDIATELY: _l("As soon as published"),
    Frequency.DAILY: _l("Daily digest"),
    Frequency.WEEKLY: _l("Weekly digest"),
}

SUBSCRIPTION_KINDS = {
    SubscriptionKind.TOPIC: _l("Topic"),
    SubscriptionKind.COUNTRY: _l("Country"),
    SubscriptionKind.ORGANIZATION: _l("Organization"),
    SubscriptionKind.DOC_TYPE: _l("Type"),
    SubscriptionKind.SEARCH: _l("Search"),
}

NOTIFICATION_KINDS = {
    NotificationKind.DECISION: _l("A decision on my document"),
    NotificationKind.COMMENT: _l("A moderator's comment asking for changes"),
    NotificationKind.SUBMISSION: _l("A new submission in the review queue"),
}

DELIVERIES = {
    Delivery.MAIL: _l("Mail at once"),
    Delivery.DIGEST: _l("In the daily digest"),
    Delivery.SITE: _l("On the site only"),
}

STANDINGS = {
    Standing.NATIONAL_PRACTICE: _l("National practice"),
    Standing.ORGANIZATIONAL_PRACTICE: _l("Organizational practice"),
    Standing.DECLARATION: _l("RCM declaration"),
    Standing.REGIONAL_GUIDELINE: _l("RCM regional guideline"),
    Standing.RECOMMENDATION: _l("RCM recommendation"),
    Standing.VICE_MINISTERIAL_DECISION: _l("Decision of the Vice-Ministers"),
}

BODY_KINDS = {
    BodyKind.VICE_MINISTERIAL: _l("Vice-Ministerial Meeting"),
    BodyKind.RCGM: _l("Regional Consultation Group on Migration"),
    BodyKind.LIAISON_NETWORK: _l("Liaison officers' network"),
    BodyKind.AD_HOC_GROUP: _l("Ad hoc group"),
    BodyKind.WORKSHOP: _l("Workshop"),
}

MEETING_ROLES = {
    MeetingRole.PRESENTED_AT: _l("Presented at"),
    MeetingRole.ADOPTED_AT: _l("Adopted at"),
}


# What each kind of audit event is called (history pages, the audit log and its filter).
AUDIT_ACTIONS = {
    "create": _l("Created"),
    "edit": _l("Edited"),
    "revise": _l("Revision submitted"),
    **{name: rule.audit_label for name, rule in TRANSITIONS.items()},
    "attach": _l("File attached"),
    "remove_attachment": _l("File removed"),
    "import": _l("Imported"),
    "answer_call": _l("Sent in answer to a call for practices"),
    "withdraw_answer": _l("Answer to a call for practices withdrawn"),
    "account_created": _l("Account created"),
    "account_updated": _l("Account changed"),
}


def audit_action_label(action: str, details: dict | None = None) -> str:
    if action == "submit" and details and details.get("resubmitted"):
        return str(_l("Resubmitted"))
    return str(AUDIT_ACTIONS.get(action, action))


# The name of each field as forms, error summaries and the revision diff show it: a
# document's content fields are named in their definition.
FIELD_LABELS = {
    **{field.name: field.label for field in content.FIELDS},
    "comment": _l("Comment"),
    "body": _l("Comment"),
    "email": _l("Email"),
    "password": _l("Password"),
    "name": _l("Name"),
}


def field_label(name: str) -> str:
    """The field's name for people, or "" for a field that has none (``_schema``)."""
    return str(FIELD_LABELS.get(name, ""))


def _label(table: dict, enum_class, value, default: str = "") -> str:
    if value is None or value == "":
        return default
    try:
        member = value if isinstance(value, enum_class) else enum_class(value)
    except ValueError:
        return str(value)
    return str(table.get(member, member.value))


# The words for the values of each enum of a document's content (see ``value_label``).
_VALUE_LABELS: dict[type, dict] = {
    DocType: DOC_TYPES,
    Language: LANGUAGES,
    Visibility: VISIBILITIES,
    ImplementationStatus: IMPLEMENTATION_STATUSES,
}


def value_label(enum_class, value) -> str:
    """The words for a value of an enum field of a document's content."""
    return _label(_VALUE_LABELS[enum_class], enum_class, value)


def doc_type_label(value, *, plural: bool = False) -> str:
    return _label(DOC_TYPES_PLURAL if plural else DOC_TYPES, DocType, value)


def status_label(value) -> str:
    return _label(STATUSES, DocumentStatus, value)


def visibility_label(value) -> str:
    return _label(VISIBILITIES, Visibility, value)


def visibility_description(value) -> str:
    return _label(VISIBILITY_DESCRIPTIONS, Visibility, value)


def implementation_status_label(value) -> str:
    return _label(IMPLEMENTATION_STATUSES, ImplementationStatus, value)


def language_label(value) -> str:
    return _label(LANGUAGES, Language, value)


def organization_kind_label(value, *, plural: bool = False) -> str:
    return _label(ORGANIZATION_KINDS_PLURAL if plural else ORGANIZATION_KINDS, OrganizationKind, value)


def role_label(value) -> str:
    return _label(ROLES, Role, value)


def frequency_label(value) -> str:
    return _label(FREQUENCIES, Frequency, value)


def subscription_kind_label(value) -> str:
    return _label(SUBSCRIPTION_KINDS, SubscriptionKind, value)


def notification_kind_label(value) -> str:
    return _label(NOTIFICATION_KINDS, NotificationKind, value)


def delivery_label(value) -> str:
    return _label(DELIVERIES, Delivery, value)


def standing_label(value) -> str:
    return _label(STANDINGS, Standing, value)


def body_kind_label(value) -> str:
    return _label(BODY_KINDS, BodyKind, value)


def meeting_role_label(value) -> str:
    return _label(MEETING_ROLES, MeetingRole, value)


def choices(table: dict) -> list[tuple[str, str]]:
    """``[(value, label)]`` for a select field, in the enum's order."""
    return [(member.value, str(label)) for member, label in table.items()]


TEMPLATE_GLOBALS = {
    "doc_type_label": doc_type_label,
    "status_label": status_label,
    "visibility_label": visibility_label,
    "visibility_description": visibility_description,
    "implementation_status_label": implementation_status_label,
    "language_label": language_label,
    "organization_kind_label": organization_kind_label,
    "role_label": role_label,
    "frequency_label": frequency_label,
    "subscription_kind_label": subscription_kind_label,
    "notification_kind_label": notification_kind_label,
    "delivery_label": delivery_label,
    "standing_label": standing_label,
    "body_kind_label": body_kind_label,
    "meeting_role_label": meeting_role_label,
    "field_label": field_label,
    "audit_action_label": audit_action_label,
    "transitions": TRANSITIONS,
}
