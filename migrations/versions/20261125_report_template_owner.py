"""Report templates belong to the unit that imported them (none: shared by the installation).

A district's administrator imports and manages their own templates; the shared ones (the
built-in template) are managed by the administrators of a top-level unit.

Revision ID: 7a3c9e51d2b8
Revises: e4defa6b5280
Create Date: 2026-11-25 01:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7a3c9e51d2b8"
down_revision = "e4defa6b5280"
branch_labels = None
depends_on = None


def upgrade():
    # Templates made before this revision stay shared (unit_id NULL), as they were.
    with op.batch_alter_table("report_template", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_report_template_unit_id"), ["unit_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_report_template_unit_id_unit"), "unit", ["unit_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("report_template", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_report_template_unit_id_unit"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_report_template_unit_id"))
        batch_op.drop_column("unit_id")
