"""Background work: claims on outgoing mail and attachment extraction, parked mail,
a stable Message-ID, and the workers' heartbeats.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("message_id", sa.String(length=255), nullable=True))
        batch.create_index(batch.f("ix_outgoing_mail_parked_at"), ["parked_at"], unique=False)
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("extraction_claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("extraction_attempts", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "worker_heartbeats",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_heartbeats")),
    )


def downgrade():
    op.drop_table("worker_heartbeats")
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("extraction_attempts")
        batch.drop_column("extraction_claimed_until")
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.drop_index(batch.f("ix_outgoing_mail_parked_at"))
        batch.drop_column("message_id")
        batch.drop_column("parked_at")
        batch.drop_column("claimed_until")
