"""Calls for practices get a slug, their key in import and export files (an id is not
the same in two installations); existing calls get one from their year and theme.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 13:30:00

"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SLUG_MAX = 80


def _slug(ppt_year, theme_en, taken):
    # The rule of ``services.calls.call_slug`` when this migration was written: a
    # migration keeps the rule it ran with.
    words = unicodedata.normalize("NFKD", theme_en or "").encode("ascii", "ignore").decode().lower()
    base = "-".join([str(ppt_year), *re.findall(r"[a-z0-9]+", words)])
    if len(base) > SLUG_MAX - 4:
        base = base[: SLUG_MAX - 4].rsplit("-", 1)[0]
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    taken.add(slug)
    return slug


def upgrade():
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slug", sa.String(length=80), nullable=True))
    connection = op.get_bind()
    calls = sa.table(
        "calls",
        sa.column("id", sa.Integer),
        sa.column("slug", sa.String),
        sa.column("ppt_year", sa.Integer),
        sa.column("theme_en", sa.String),
    )
    taken = set()
    rows = connection.execute(sa.select(calls.c.id, calls.c.ppt_year, calls.c.theme_en).order_by(calls.c.id))
    for row in rows.all():
        connection.execute(
            calls.update().where(calls.c.id == row.id).values(slug=_slug(row.ppt_year, row.theme_en, taken))
        )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.alter_column("slug", existing_type=sa.String(length=80), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_calls_slug"), ["slug"])


def downgrade():
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_calls_slug"), type_="unique")
        batch_op.drop_column("slug")
