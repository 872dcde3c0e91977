"""sla: tasks with deadlines and escalation chains, their timelines, leave periods

Revision ID: 0002_sla
Revises: 0001_core
Create Date: 2026-11-24 09:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0002_sla"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sla_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remaining_seconds", sa.Integer(), nullable=True),
        sa.Column("next_step", sa.Integer(), nullable=True),
        sa.Column("next_step_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("escalated_to", sa.String(length=32), nullable=True),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("within_sla", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["user_account.id"], name=op.f("fk_sla_task_assignee_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["completed_by_id"],
            ["user_account.id"],
            name=op.f("fk_sla_task_completed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_sla_task_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_task")),
    )
    with op.batch_alter_table("sla_task", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sla_task_assignee",
            ["assignee_id", "state", "store_id"],
            unique=False,
            sqlite_where=sa.text("assignee_id IS NOT NULL"),
            postgresql_where=sa.text("assignee_id IS NOT NULL"),
        )
        batch_op.create_index("ix_sla_task_queue", ["state", "due_at", "id"], unique=False)
        batch_op.create_index(
            "ix_sla_task_state_next_step", ["state", "next_step_at"], unique=False
        )
        batch_op.create_index(
            "ix_sla_task_store_queue", ["store_id", "state", "due_at", "id"], unique=False
        )
        batch_op.create_index("ix_sla_task_subject", ["subject_type", "subject_id"], unique=False)
        batch_op.create_index(
            "ix_sla_task_policy_completed", ["policy", "completed_at"], unique=False
        )
        batch_op.create_index("ix_sla_task_policy_breached", ["policy", "breached_at"], unique=False)

    op.create_table(
        "sla_task_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_sla_task_event_actor_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["sla_task.id"],
            name=op.f("fk_sla_task_event_task_id_sla_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_task_event")),
    )
    with op.batch_alter_table("sla_task_event", schema=None) as batch_op:
        batch_op.create_index("ix_sla_task_event_task", ["task_id", "id"], unique=False)

    op.create_table(
        "leave_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deputy_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_leave_period_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["deputy_id"], ["user_account.id"], name=op.f("fk_leave_period_deputy_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_leave_period_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leave_period")),
    )
    with op.batch_alter_table("leave_period", schema=None) as batch_op:
        batch_op.create_index("ix_leave_period_deputy", ["deputy_id", "starts_at"], unique=False)
        batch_op.create_index("ix_leave_period_ends", ["ends_at"], unique=False)
        batch_op.create_index("ix_leave_period_user", ["user_id", "starts_at"], unique=False)


def downgrade():
    with op.batch_alter_table("leave_period", schema=None) as batch_op:
        batch_op.drop_index("ix_leave_period_user")
        batch_op.drop_index("ix_leave_period_ends")
        batch_op.drop_index("ix_leave_period_deputy")

    op.drop_table("leave_period")
    with op.batch_alter_table("sla_task_event", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_task_event_task")

    op.drop_table("sla_task_event")
    with op.batch_alter_table("sla_task", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_task_policy_breached")
        batch_op.drop_index("ix_sla_task_policy_completed")
        batch_op.drop_index("ix_sla_task_subject")
        batch_op.drop_index("ix_sla_task_store_queue")
        batch_op.drop_index("ix_sla_task_state_next_step")
        batch_op.drop_index("ix_sla_task_queue")
        batch_op.drop_index("ix_sla_task_assignee")

    op.drop_table("sla_task")
