"""Typed SQLAlchemy models, one module per area."""
from rcm_exchange.models.accounts import ApiToken, PasswordToken, PasswordTokenPurpose, Role, User
from rcm_exchange.models.activity import (
    AuditEvent,
    Notification,
    OutgoingMail,
    SearchLogEntry,
    SearchLogPrune,
    SearchOperation,
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
from rcm_exchange.models.organizations import (
    Country,
    Organization,
    OrganizationKind,
    PresidencyProTempore,
    RcmStatus,
)
from rcm_exchange.models.taxonomy import Tag

__all__ = [
    "ApiToken", "Attachment", "AuditEvent", "Base", "Country", "DocType", "Document",
    "DocumentComment", "DocumentRevision", "DocumentStatus", "FormDraft", "ImplementationStatus", "Language", "Notification",
    "Organization", "OrganizationKind", "OutgoingMail", "PasswordToken", "PasswordTokenPurpose",
    "PresidencyProTempore", "RcmStatus", "Role", "SearchLogEntry", "SearchLogPrune", "SearchOperation", "Tag",
    "User", "Visibility", "document_countries", "document_tags", "utcnow",
]
