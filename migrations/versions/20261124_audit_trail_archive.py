"""The audit trail; events, invited groups and invitees archived instead of deleted.

Revision ID: 251fe27b26d8
Revises: 6c70a99e62ae
Create Date: 2026-11-24 22:22:19.328939

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "251fe27b26d8"
down_revision = "6c70a99e62ae"
branch_labels = None
depends_on = None

ARCHIVABLE = ("event", "invitee_group", "invitee")


def upgrade():
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), server_default="", nullable=False),
        sa.Column("actor_kind", sa.String(length=16), server_default="system", nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=200), server_default="", nullable=False),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("detail", sa.String(length=300), server_default="", nullable=False),
        sa.Column("ip", sa.String(length=45), server_default="", nullable=False),
        sa.Column("user_agent", sa.String(length=200), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_audit_event_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_unit_at", ["unit_id", "at"], unique=False)

    for table in ARCHIVABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("archived_at", sa.DateTime(), nullable=True))


def downgrade():
    for table in reversed(ARCHIVABLE):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("archived_at")

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_unit_at")

    op.drop_table("audit_event")
