"""A unit's own deadline for the reports of the units directly below it.

Revision ID: 3d81f0c6a2e4
Revises: 7a3c9e51d2b8
Create Date: 2026-11-25 01:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3d81f0c6a2e4"
down_revision = "7a3c9e51d2b8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_deadline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_report_deadline_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"],
            ["user_account.id"],
            name=op.f("fk_report_deadline_set_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_report_deadline_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_deadline")),
        sa.UniqueConstraint(
            "campaign_id", "unit_id", name=op.f("uq_report_deadline_campaign_id_unit_id")
        ),
    )
    with op.batch_alter_table("report_deadline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_deadline_unit_id"), ["unit_id"], unique=False)


def downgrade():
    with op.batch_alter_table("report_deadline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_deadline_unit_id"))
    op.drop_table("report_deadline")
