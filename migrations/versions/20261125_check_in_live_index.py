"""An index on the live check-ins of each event, for the reports' roll-up.

Counting an event's persons (app/reports/figures.py) reads only the check-ins not undone; with
this partial index the database counts them from the index alone (docs/PERFORMANCE.md, 3).

Revision ID: e4defa6b5280
Revises: 251fe27b26d8
Create Date: 2026-11-25 00:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e4defa6b5280"
down_revision = "251fe27b26d8"
branch_labels = None
depends_on = None

LIVE = "undone_at IS NULL"


def upgrade():
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.create_index(
            "ix_check_in_event_live",
            ["event_id"],
            unique=False,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )


def downgrade():
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_check_in_event_live",
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )
