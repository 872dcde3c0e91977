"""renovation: complaint and repair cases, handovers, penalty notices (R13, R14, R23-R25)

Revision ID: renovation_0001
Revises:
Create Date: 2026-12-01 21:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "renovation_0001"
down_revision = None
branch_labels = ("renovation",)
depends_on = "0008_plugin_registry"


def upgrade():
    op.create_table(
        "renovation_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=120), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("severity_rank", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("department", sa.String(length=80), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("logged_by_id", sa.Integer(), nullable=False),
        sa.Column("earlier_case_id", sa.Integer(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("route", sa.String(length=16), nullable=True),
        sa.Column("supervisor_id", sa.Integer(), nullable=True),
        sa.Column("appointment_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("vendor_name", sa.String(length=120), nullable=True),
        sa.Column("repair_notice_number", sa.String(length=32), nullable=True),
        sa.Column("repair_work", sa.String(length=500), nullable=True),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=1000), nullable=True),
        sa.Column("confirmed_by", sa.String(length=50), nullable=True),
        sa.Column("confirmation_method", sa.String(length=16), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("revisit_score", sa.Integer(), nullable=True),
        sa.Column("revisit_note", sa.String(length=1000), nullable=True),
        sa.Column("revisited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revisited_by_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_case_closed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["earlier_case_id"],
            ["renovation_case.id"],
            name=op.f("fk_renovation_case_earlier_case_id_renovation_case"),
        ),
        sa.ForeignKeyConstraint(
            ["logged_by_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_case_logged_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_renovation_case_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_renovation_case_owner_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["revisited_by_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_case_revisited_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_renovation_case_store_id_store")
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_case_supervisor_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renovation_case")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_renovation_case_idempotency_key")),
        sa.UniqueConstraint("number", name=op.f("uq_renovation_case_number")),
        sa.UniqueConstraint(
            "repair_notice_number", name=op.f("uq_renovation_case_repair_notice_number")
        ),
    )
    with op.batch_alter_table("renovation_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_renovation_case_earlier_case_id"), ["earlier_case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_renovation_case_supervisor_id"), ["supervisor_id"], unique=False
        )
        batch_op.create_index(
            "ix_renovation_case_member", ["member_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_renovation_case_owner_state",
            ["owner_id", "state", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_renovation_case_store_created", ["store_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_renovation_case_store_severity",
            ["store_id", "severity_rank", "created_at", "id"],
            unique=False,
        )

    op.create_table(
        "renovation_case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_case_event_actor_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["renovation_case.id"],
            name=op.f("fk_renovation_case_event_case_id_renovation_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renovation_case_event")),
    )
    with op.batch_alter_table("renovation_case_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_renovation_case_event_case", ["case_id", "occurred_at", "id"], unique=False
        )

    op.create_table(
        "renovation_handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_user_id", sa.Integer(), nullable=False),
        sa.Column("to_user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=False),
        sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_handover_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["renovation_case.id"],
            name=op.f("fk_renovation_handover_case_id_renovation_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_user_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_handover_from_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["to_user_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_handover_to_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renovation_handover")),
    )
    with op.batch_alter_table("renovation_handover", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_renovation_handover_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_renovation_handover_to_user_id"), ["to_user_id"], unique=False
        )

    op.create_table(
        "renovation_penalty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("measure", sa.String(length=500), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["renovation_case.id"],
            name=op.f("fk_renovation_penalty_case_id_renovation_case"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_penalty_employee_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_penalty_issued_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_renovation_penalty_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renovation_penalty")),
        sa.UniqueConstraint("number", name=op.f("uq_renovation_penalty_number")),
    )
    with op.batch_alter_table("renovation_penalty", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_renovation_penalty_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            "ix_renovation_penalty_employee", ["employee_id", "issued_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_renovation_penalty_store", ["store_id", "issued_at", "id"], unique=False
        )


def downgrade():
    op.drop_table("renovation_penalty")
    op.drop_table("renovation_handover")
    op.drop_table("renovation_case_event")
    op.drop_table("renovation_case")
