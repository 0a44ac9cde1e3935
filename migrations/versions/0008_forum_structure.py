"""The forum's own structure: RCM bodies and meetings, documents' standing and meeting
links, calls for practices and their answers; tags that can be retired and merged;
organizations that can be made inactive.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:05:39.763476

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rcm_bodies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "vice_ministerial",
                "rcgm",
                "liaison_network",
                "ad_hoc_group",
                "workshop",
                name="bodykind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_es", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rcm_bodies")),
        sa.UniqueConstraint("slug", name=op.f("uq_rcm_bodies_slug")),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("host_country_code", sa.String(length=2), nullable=True),
        sa.Column("ppt_year", sa.Integer(), nullable=False),
        sa.Column("theme_en", sa.String(length=300), nullable=False),
        sa.Column("theme_es", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["rcm_bodies.id"], name=op.f("fk_meetings_body_id_rcm_bodies")),
        sa.ForeignKeyConstraint(
            ["host_country_code"], ["countries.code"], name=op.f("fk_meetings_host_country_code_countries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("body_id", "number", name="uq_meetings_body_number"),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_body_id"), ["body_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meetings_ppt_year"), ["ppt_year"], unique=False)

    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme_en", sa.String(length=300), nullable=False),
        sa.Column("theme_es", sa.String(length=300), nullable=False),
        sa.Column("criteria_en", sa.Text(), nullable=False),
        sa.Column("criteria_es", sa.Text(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("ppt_year", sa.Integer(), nullable=False),
        sa.Column("answerable_by", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_calls_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calls_closes_on"), ["closes_on"], unique=False)

    op.create_table(
        "call_answers",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_call_answers_answered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_answers_call_id_calls"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_call_answers_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_call_answers")),
    )
    with op.batch_alter_table("call_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_answers_call_id"), ["call_id"], unique=False)

    op.create_table(
        "call_tags",
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_tags_call_id_calls"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_call_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("call_id", "tag_id", name=op.f("pk_call_tags")),
    )
    with op.batch_alter_table("call_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_tags_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "document_meetings",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("presented_at", "adopted_at", name="meetingrole", native_enum=False, length=16),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_meetings_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_document_meetings_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "meeting_id", "role", name=op.f("pk_document_meetings")),
    )
    with op.batch_alter_table("document_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_meetings_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "document_standings",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column(
            "standing",
            sa.Enum(
                "national_practice",
                "organizational_practice",
                "declaration",
                "regional_guideline",
                "recommendation",
                "vice_ministerial_decision",
                name="standing",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_standings_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_standings")),
    )
    with op.batch_alter_table("document_standings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_standings_standing"), ["standing"], unique=False)

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))

    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "updated_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.func.current_timestamp(),
            )
        )
        batch_op.create_index(batch_op.f("ix_tags_updated_at"), ["updated_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_tags_merged_into_id_tags"), "tags", ["merged_into_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tags_merged_into_id_tags"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tags_updated_at"))
        batch_op.drop_column("updated_at")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("retired")

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("active")

    with op.batch_alter_table("document_standings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_standings_standing"))

    op.drop_table("document_standings")
    with op.batch_alter_table("document_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_meetings_meeting_id"))

    op.drop_table("document_meetings")
    with op.batch_alter_table("call_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_tags_tag_id"))

    op.drop_table("call_tags")
    with op.batch_alter_table("call_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_answers_call_id"))

    op.drop_table("call_answers")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_closes_on"))

    op.drop_table("calls")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_ppt_year"))
        batch_op.drop_index(batch_op.f("ix_meetings_body_id"))

    op.drop_table("meetings")
    op.drop_table("rcm_bodies")
