"""Units (a tree with a materialised path), user accounts, campaigns.

Revision ID: 0f03dbce8449
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0f03dbce8449"
down_revision = None
branch_labels = None
depends_on = None

UNIT_KINDS = (
    "so_gddt", "phong_gddt", "ubnd_tinh", "ubnd_huyen", "ubnd_xa", "hoi_khuyen_hoc", "tthtcd",
    "tt_gdnn_gdtx", "mn", "th", "thcs", "thpt", "th_thcs", "tt_van_hoa", "khac",
)  # fmt: skip
ROLES = ("admin", "organiser", "checkin_staff", "report_officer")


def upgrade():
    op.create_table(
        "unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.Enum(*UNIT_KINDS, name="unit_kind", length=32), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["unit.id"], name=op.f("fk_unit_parent_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("code", name=op.f("uq_unit_code")),
    )
    op.create_index(op.f("ix_unit_parent_id"), "unit", ["parent_id"])
    op.create_index(op.f("ix_unit_path"), "unit", ["path"])

    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(length=500), server_default="", nullable=False),
        sa.Column("slogans", sa.Text(), server_default="", nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("report_deadline", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_campaign_dates_in_order")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_campaign_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_index(op.f("ix_campaign_unit_id"), "campaign", ["unit_id"])

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.Enum(*ROLES, name="user_role", length=32), nullable=False),
        sa.Column("locale", sa.String(length=8), server_default="vi", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("session_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_user_account_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    op.create_index(op.f("ix_user_account_unit_id"), "user_account", ["unit_id"])


def downgrade():
    op.drop_index(op.f("ix_user_account_unit_id"), table_name="user_account")
    op.drop_table("user_account")
    op.drop_index(op.f("ix_campaign_unit_id"), table_name="campaign")
    op.drop_table("campaign")
    op.drop_index(op.f("ix_unit_path"), table_name="unit")
    op.drop_index(op.f("ix_unit_parent_id"), table_name="unit")
    op.drop_table("unit")
    # PostgreSQL keeps enum types after their tables are gone.
    sa.Enum(name="user_role").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="unit_kind").drop(op.get_bind(), checkfirst=True)
