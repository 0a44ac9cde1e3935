"""Typed SQLAlchemy models, one module per area."""
from rcm_exchange.models.accounts import (
    ApiToken,
    PasswordToken,
    PasswordTokenPurpose,
    Role,
    User,
    UserSession,
)
from rcm_exchange.models.activity import (
    AuditEvent,
    Notification,
    OutgoingMail,
    SearchLogEntry,
    SearchLogPrune,
    SearchOperation,
    WorkerHeartbeat,
)
from rcm_exchange.models.base import Base, utcnow
from rcm_exchange.models.conversation import DocumentComment, FormDraft
from rcm_exchange.models.documents import (
    Attachment,
    DocType,
    Document,
    DocumentRevision,
    DocumentStatus,
    ImplementationStatus,
    Language,
    Visibility,
    document_countries,
    document_tags,
)
from rcm_exchange.models.following import (
    Delivery,
    Frequency,
    HarvestRecord,
    HarvestRecordSet,
    NotificationDigest,
    NotificationKind,
    NotificationPreference,
    Subscription,
    SubscriptionKind,
)
from rcm_exchange.models.organizations import (
    Country,
    Organization,
    OrganizationKind,
    PresidencyProTempore,
    RcmStatus,
)
from rcm_exchange.models.taxonomy import Tag
from rcm_exchange.models.forum import (
    BodyKind,
    Call,
    CallAnswer,
    DocumentMeeting,
    DocumentStanding,
    Meeting,
    MeetingRole,
    RcmBody,
    Standing,
    call_tags,
)

__all__ = [
    "ApiToken", "Attachment", "AuditEvent", "Base", "Country", "DocType", "Document",
    "DocumentComment", "DocumentRevision", "DocumentStatus", "FormDraft", "ImplementationStatus", "Language", "Notification",
    "Organization", "OrganizationKind", "OutgoingMail", "PasswordToken", "PasswordTokenPurpose",
    "PresidencyProTempore", "RcmStatus", "Role", "SearchLogEntry", "SearchLogPrune", "SearchOperation", "Tag",
    "User", "UserSession", "Visibility", "WorkerHeartbeat", "document_countries", "document_tags", "utcnow",
    "Delivery", "Frequency", "HarvestRecord", "HarvestRecordSet", "NotificationDigest",
    "NotificationKind", "NotificationPreference", "Subscription", "SubscriptionKind",
    "BodyKind", "Call", "CallAnswer", "DocumentMeeting", "DocumentStanding", "Meeting", "MeetingRole",
    "RcmBody", "Standing", "call_tags",
]
