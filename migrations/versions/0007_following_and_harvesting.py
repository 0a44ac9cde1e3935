"""Following (subscriptions, notification preferences, digests) and the harvest records
of OAI-PMH; mail gets header fields for List-Unsubscribe.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01 10:05:57.581111

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "harvest_records",
        sa.Column("document_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("datestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_harvest_records")),
    )
    with op.batch_alter_table("harvest_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvest_records_datestamp"), ["datestamp"], unique=False)

    op.create_table(
        "harvest_record_sets",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("set_spec", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["harvest_records.document_id"],
            name=op.f("fk_harvest_record_sets_document_id_harvest_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "set_spec", name=op.f("pk_harvest_record_sets")),
    )
    with op.batch_alter_table("harvest_record_sets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvest_record_sets_set_spec"), ["set_spec"], unique=False)

    op.create_table(
        "notification_digests",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("covered_through", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_digests_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_digests")),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "decision", "comment", "submission", name="notificationkind", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "delivery",
            sa.Enum("mail", "digest", "site", name="delivery", native_enum=False, length=16),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_preferences")),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "topic",
                "country",
                "organization",
                "doc_type",
                "search",
                name="subscriptionkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum("immediately", "daily", "weekly", name="frequency", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("covered_through", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_subscriptions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscriptions_covered_through"), ["covered_through"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_subscriptions_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("digest_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headers", sa.JSON(), nullable=True))

    # What is public today is what a first harvest finds; its sets as they are now.
    op.execute(
        "INSERT INTO harvest_records (document_id, datestamp, deleted) "
        "SELECT id, updated_at, false FROM documents "
        "WHERE status = 'published' AND visibility = 'public'"
    )
    op.execute(
        "INSERT INTO harvest_record_sets (document_id, set_spec) "
        "SELECT d.id, 'type:' || d.doc_type FROM documents d "
        "JOIN harvest_records h ON h.document_id = d.id"
    )
    op.execute(
        "INSERT INTO harvest_record_sets (document_id, set_spec) "
        "SELECT dt.document_id, 'topic:' || t.slug FROM document_tags dt "
        "JOIN tags t ON t.id = dt.tag_id JOIN harvest_records h ON h.document_id = dt.document_id"
    )
    op.execute(
        "INSERT INTO harvest_record_sets (document_id, set_spec) "
        "SELECT dc.document_id, 'country:' || dc.country_code FROM document_countries dc "
        "JOIN harvest_records h ON h.document_id = dc.document_id"
    )


def downgrade():
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_column("headers")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("digest_pending")

    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_user_id"))
        batch_op.drop_index(batch_op.f("ix_subscriptions_covered_through"))

    op.drop_table("subscriptions")
    op.drop_table("notification_preferences")
    op.drop_table("notification_digests")
    with op.batch_alter_table("harvest_record_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_record_sets_set_spec"))

    op.drop_table("harvest_record_sets")
    with op.batch_alter_table("harvest_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_records_datestamp"))

    op.drop_table("harvest_records")
