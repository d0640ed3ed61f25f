"""Invited groups, contact book, invitees and their invitations, revoked tokens, jobs;
the event's self check-in token.

Revision ID: 01f411031c19
Revises: 7c1e4b2a9d30
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "01f411031c19"
down_revision = "7c1e4b2a9d30"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), server_default="", nullable=False),
        sa.Column("organisation", sa.String(length=300), server_default="", nullable=False),
        sa.Column("phone", sa.String(length=20), server_default="", nullable=False),
        sa.Column("email", sa.String(length=254), server_default="", nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_contact_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index("ix_contact_unit_name", ["unit_id", "full_name"], unique=False)

    op.create_table(
        "invitee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), server_default="", nullable=False),
        sa.Column("organisation", sa.String(length=300), server_default="", nullable=False),
        sa.Column("phone", sa.String(length=20), server_default="", nullable=False),
        sa.Column("email", sa.String(length=254), server_default="", nullable=False),
        sa.Column("protocol_rank", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("token", sa.String(length=64), nullable=True),
        sa.Column("token_issued_at", sa.DateTime(), nullable=True),
        sa.Column(
            "email_state",
            sa.Enum("not_sent", "queued", "sent", "failed", name="email_state", length=16),
            server_default="not_sent",
            nullable=False,
        ),
        sa.Column("email_error", sa.Text(), server_default="", nullable=False),
        sa.Column("email_sent_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_invitee_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_invitee_contact_id_contact"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_invitee_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitee")),
        sa.UniqueConstraint("token", name=op.f("uq_invitee_token")),
    )
    with op.batch_alter_table("invitee", schema=None) as batch_op:
        batch_op.create_index("ix_invitee_campaign_unit", ["campaign_id", "unit_id"], unique=False)

    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("params", sa.Text(), server_default="{}", nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum("queued", "running", "done", "failed", name="job_state", length=16),
            server_default="queued",
            nullable=False,
        ),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), server_default="", nullable=False),
        sa.Column("result", sa.LargeBinary(), nullable=True),
        sa.Column("result_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("result_mimetype", sa.String(length=128), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_job_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint("token", name=op.f("uq_job_token")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index("ix_job_state_created", ["state", "created_at"], unique=False)

    op.create_table(
        "invitee_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("expected_headcount", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint(
            "expected_headcount IS NULL OR expected_headcount >= 0",
            name=op.f("ck_invitee_group_headcount_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name=op.f("fk_invitee_group_event_id_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitee_group")),
    )
    with op.batch_alter_table("invitee_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitee_group_event_id"), ["event_id"], unique=False)

    op.create_table(
        "revoked_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invitee_id", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitee_id"],
            ["invitee.id"],
            name=op.f("fk_revoked_token_invitee_id_invitee"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revoked_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_revoked_token_token_hash")),
    )
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitee_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column(
            "rsvp",
            sa.Enum("pending", "yes", "no", name="rsvp", length=16),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("rsvp_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name=op.f("fk_invitation_event_id_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["invitee_group.id"],
            name=op.f("fk_invitation_group_id_invitee_group"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invitee_id"],
            ["invitee.id"],
            name=op.f("fk_invitation_invitee_id_invitee"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint(
            "invitee_id", "event_id", name=op.f("uq_invitation_invitee_id_event_id")
        ),
    )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitation_group_id"), ["group_id"], unique=False)

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkin_token", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_event_checkin_token"), ["checkin_token"])


def downgrade():
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_event_checkin_token"), type_="unique")
        batch_op.drop_column("checkin_token")

    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_group_id"))
        batch_op.drop_index(batch_op.f("ix_invitation_event_id"))

    op.drop_table("invitation")
    op.drop_table("revoked_token")
    with op.batch_alter_table("invitee_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitee_group_event_id"))

    op.drop_table("invitee_group")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_state_created")

    op.drop_table("job")
    with op.batch_alter_table("invitee", schema=None) as batch_op:
        batch_op.drop_index("ix_invitee_campaign_unit")

    op.drop_table("invitee")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_unit_name")

    op.drop_table("contact")
    # PostgreSQL keeps enum types after their tables are gone.
    for name in ("job_state", "rsvp", "email_state"):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
