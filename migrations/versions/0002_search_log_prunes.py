"""Record how far the search log was pruned, so an index that fell behind is rebuilt.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 14:20:51.389424

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "search_log_prunes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pruned_through", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_log_prunes")),
    )


def downgrade():

    op.drop_table("search_log_prunes")
