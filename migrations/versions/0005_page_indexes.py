"""Composite indexes for the pages that read the database at any size: the review queue
(documents and revisions by status), the statistics' months and decisions, and an
organization's documents by latest change.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_documents_organization_id_updated_at", ["organization_id", "updated_at"], unique=False
        )
        batch_op.create_index("ix_documents_status_submitted_at", ["status", "submitted_at"], unique=False)
        batch_op.create_index("ix_documents_status_published_at", ["status", "published_at"], unique=False)
    with op.batch_alter_table("document_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_revisions_status"), ["status"], unique=False)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_action_at", ["action", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_action_at")
    with op.batch_alter_table("document_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_revisions_status"))
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_status_published_at")
        batch_op.drop_index("ix_documents_status_submitted_at")
        batch_op.drop_index("ix_documents_organization_id_updated_at")
