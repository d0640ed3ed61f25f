"""Check-ins (one live per invitee and event), headcounts and their history, volunteers'
check-in links, API tokens; the event's check-in settings.

Revision ID: e4d941ed1412
Revises: 01f411031c19
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e4d941ed1412"
down_revision = "01f411031c19"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), server_default="", nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_api_token_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_table(
        "checkin_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), server_default="", nullable=False),
        sa.Column("valid_from", sa.DateTime(), nullable=False),
        sa.Column("valid_until", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_checkin_link_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name=op.f("fk_checkin_link_event_id_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_link")),
        sa.UniqueConstraint("token", name=op.f("uq_checkin_link_token")),
    )
    with op.batch_alter_table("checkin_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_link_event_id"), ["event_id"], unique=False)

    op.create_table(
        "check_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("invitee_id", sa.Integer(), nullable=True),
        sa.Column(
            "method",
            sa.Enum("scan", "manual", "self", "api", name="checkin_method", length=16),
            nullable=False,
        ),
        sa.Column("checked_in_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("client_uuid", sa.String(length=36), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("volunteer_name", sa.String(length=120), server_default="", nullable=False),
        sa.Column("device_id", sa.String(length=64), server_default="", nullable=False),
        sa.Column("override", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("organisation", sa.String(length=300), server_default="", nullable=False),
        sa.Column(
            "participant_type",
            sa.Enum(
                "hoc_sinh",
                "giao_vien",
                "can_bo",
                "phu_huynh",
                "nguoi_dan",
                "khac",
                name="participant_type",
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "invitee_id IS NOT NULL OR full_name IS NOT NULL",
            name=op.f("ck_check_in_someone_checked_in"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_check_in_event_id_event"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["invitee_id"],
            ["invitee.id"],
            name=op.f("fk_check_in_invitee_id_invitee"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["checkin_link.id"],
            name=op.f("fk_check_in_link_id_checkin_link"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"],
            ["user_account.id"],
            name=op.f("fk_check_in_undone_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_check_in_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in")),
        sa.UniqueConstraint("client_uuid", name=op.f("uq_check_in_client_uuid")),
    )
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.create_index("ix_check_in_event_time", ["event_id", "checked_in_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_check_in_invitee_id"), ["invitee_id"], unique=False)
        batch_op.create_index(
            "uq_check_in_event_invitee_live",
            ["event_id", "invitee_id"],
            unique=True,
            sqlite_where=sa.text("invitee_id IS NOT NULL AND undone_at IS NULL"),
            postgresql_where=sa.text("invitee_id IS NOT NULL AND undone_at IS NULL"),
        )

    op.create_table(
        "headcount",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("client_uuid", sa.String(length=36), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("volunteer_name", sa.String(length=120), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("count >= 0", name=op.f("ck_headcount_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_headcount_event_id_event"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["checkin_link.id"],
            name=op.f("fk_headcount_link_id_checkin_link"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_headcount_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_headcount")),
        sa.UniqueConstraint("client_uuid", name=op.f("uq_headcount_client_uuid")),
    )
    with op.batch_alter_table("headcount", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_headcount_event_id"), ["event_id"], unique=False)

    op.create_table(
        "headcount_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("headcount_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(length=120), server_default="", nullable=False),
        sa.Column("changed_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["headcount_id"],
            ["headcount.id"],
            name=op.f("fk_headcount_revision_headcount_id_headcount"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_headcount_revision")),
    )
    with op.batch_alter_table("headcount_revision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_headcount_revision_headcount_id"), ["headcount_id"], unique=False
        )

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("checkin_opens_minutes", sa.Integer(), server_default="120", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "walkin_code_required", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(sa.Column("walkin_code_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("walkins_per_device", sa.Integer(), server_default="1", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("walkins_per_device")
        batch_op.drop_column("walkin_code_secret")
        batch_op.drop_column("walkin_code_required")
        batch_op.drop_column("checkin_opens_minutes")

    with op.batch_alter_table("headcount_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_headcount_revision_headcount_id"))

    op.drop_table("headcount_revision")
    with op.batch_alter_table("headcount", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_headcount_event_id"))

    op.drop_table("headcount")
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_check_in_event_invitee_live",
            sqlite_where=sa.text("invitee_id IS NOT NULL AND undone_at IS NULL"),
            postgresql_where=sa.text("invitee_id IS NOT NULL AND undone_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_check_in_invitee_id"))
        batch_op.drop_index("ix_check_in_event_time")

    op.drop_table("check_in")
    with op.batch_alter_table("checkin_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_link_event_id"))

    op.drop_table("checkin_link")
    op.drop_table("api_token")
    # PostgreSQL keeps enum types after their tables are gone.
    for name in ("checkin_method", "participant_type"):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
