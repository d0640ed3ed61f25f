"""Report templates and rows, events of the week, run-sheet items; campaign's template.

Revision ID: 2159eb2f7e55
Revises: 0f03dbce8449
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2159eb2f7e55"
down_revision = "0f03dbce8449"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_template")),
    )
    op.create_table(
        "report_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), server_default="", nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("unit_of_measure", sa.String(length=64), server_default="", nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "heading", "sum", "events", "opening_units", "typed", name="row_source", length=32
            ),
            nullable=False,
        ),
        sa.Column("unit_filter", sa.String(length=32), nullable=True),
        sa.Column("is_category", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["report_row.id"], name=op.f("fk_report_row_parent_id_report_row")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["report_template.id"],
            name=op.f("fk_report_row_template_id_report_template"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_row")),
    )
    with op.batch_alter_table("report_row", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_row_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_report_row_template_id"), ["template_id"], unique=False
        )

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("opening", "closing", "activity", name="event_kind", length=16),
            nullable=False,
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), server_default="", nullable=False),
        sa.Column("co_host", sa.String(length=500), server_default="", nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.Column("venue_name", sa.String(length=300), server_default="", nullable=False),
        sa.Column("venue_address", sa.String(length=500), server_default="", nullable=False),
        sa.Column(
            "format",
            sa.Enum("in_person", "online", "hybrid", name="event_format", length=16),
            server_default="in_person",
            nullable=False,
        ),
        sa.Column("report_row_id", sa.Integer(), nullable=True),
        sa.Column("expected_attendance", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("number", sa.String(length=16), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "end_time IS NULL OR start_time IS NULL OR end_time > start_time",
            name=op.f("ck_event_times_in_order"),
        ),
        sa.CheckConstraint(
            "expected_attendance IS NULL OR expected_attendance >= 0",
            name=op.f("ck_event_attendance_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_event_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["report_row_id"], ["report_row.id"], name=op.f("fk_event_report_row_id_report_row")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_event_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_campaign_date", ["campaign_id", "date"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_report_row_id"), ["report_row_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "program_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("performer", sa.String(length=500), server_default="", nullable=False),
        sa.CheckConstraint(
            "end_time IS NULL OR start_time IS NULL OR end_time > start_time",
            name=op.f("ck_program_item_times_in_order"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name=op.f("fk_program_item_event_id_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_item")),
    )
    with op.batch_alter_table("program_item", schema=None) as batch_op:
        batch_op.create_index(
            "ix_program_item_event_position", ["event_id", "position"], unique=False
        )

    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_template_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_campaign_report_template_id_report_template"),
            "report_template",
            ["report_template_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_campaign_report_template_id_report_template"), type_="foreignkey"
        )
        batch_op.drop_column("report_template_id")

    with op.batch_alter_table("program_item", schema=None) as batch_op:
        batch_op.drop_index("ix_program_item_event_position")

    op.drop_table("program_item")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_unit_id"))
        batch_op.drop_index(batch_op.f("ix_event_report_row_id"))
        batch_op.drop_index("ix_event_campaign_date")

    op.drop_table("event")
    with op.batch_alter_table("report_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_row_template_id"))
        batch_op.drop_index(batch_op.f("ix_report_row_parent_id"))

    op.drop_table("report_row")
    op.drop_table("report_template")
    # PostgreSQL keeps enum types after their tables are gone.
    for name in ("event_format", "event_kind", "row_source"):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
