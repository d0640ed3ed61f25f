"""Uploads kept between an import's preview and its confirmation.

Revision ID: 7c1e4b2a9d30
Revises: 2159eb2f7e55
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "7c1e4b2a9d30"
down_revision = "2159eb2f7e55"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), server_default="", nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("pasted", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_import_upload_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_upload")),
        sa.UniqueConstraint("token", name=op.f("uq_import_upload_token")),
    )
    op.create_index(op.f("ix_import_upload_created_at"), "import_upload", ["created_at"])


def downgrade():
    op.drop_index(op.f("ix_import_upload_created_at"), table_name="import_upload")
    op.drop_table("import_upload")
