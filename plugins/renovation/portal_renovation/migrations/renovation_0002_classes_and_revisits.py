"""renovation: customer classes and follow-ups (R11), delivered projects and revisits (R12)

Revision ID: renovation_0002
Revises: renovation_0001
Create Date: 2026-12-01 22:05:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "renovation_0002"
down_revision = "renovation_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "renovation_classed_customer",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("customer_class", sa.String(length=1), nullable=False),
        sa.Column("region", sa.String(length=60), nullable=False),
        sa.Column("classed_on", sa.Date(), nullable=False),
        sa.Column("last_follow_up_on", sa.Date(), nullable=True),
        sa.Column("next_due_on", sa.Date(), nullable=False),
        sa.Column("classed_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["classed_by_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_classed_customer_classed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_renovation_classed_customer_member_id_member"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_renovation_classed_customer_store_id_store")
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_renovation_classed_customer")),
    )
    with op.batch_alter_table("renovation_classed_customer", schema=None) as batch_op:
        batch_op.create_index(
            "ix_renovation_classed_customer_due",
            ["store_id", "next_due_on", "member_id"],
            unique=False,
        )

    op.create_table(
        "renovation_class_lead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=60), nullable=False),
        sa.Column("customer_class", sa.String(length=1), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_class_lead_assigned_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_renovation_class_lead_store_id_store")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_class_lead_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renovation_class_lead")),
        sa.UniqueConstraint(
            "store_id",
            "region",
            "customer_class",
            name=op.f("uq_renovation_class_lead_store_id_region_customer_class"),
        ),
    )
    with op.batch_alter_table("renovation_class_lead", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_renovation_class_lead_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "renovation_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("followed_up_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_renovation_follow_up_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_follow_up_recorded_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_renovation_follow_up_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renovation_follow_up")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_renovation_follow_up_idempotency_key")
        ),
    )
    with op.batch_alter_table("renovation_follow_up", schema=None) as batch_op:
        batch_op.create_index(
            "ix_renovation_follow_up_member", ["member_id", "followed_up_on", "id"], unique=False
        )

    op.create_table(
        "renovation_project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=False),
        sa.Column("last_revisit_on", sa.Date(), nullable=True),
        sa.Column("next_revisit_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_project_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_renovation_project_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["responsible_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_project_responsible_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_renovation_project_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renovation_project")),
    )
    with op.batch_alter_table("renovation_project", schema=None) as batch_op:
        batch_op.create_index(
            "ix_renovation_project_due", ["store_id", "next_revisit_on", "id"], unique=False
        )
        batch_op.create_index("ix_renovation_project_member", ["member_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_renovation_project_responsible_id"), ["responsible_id"], unique=False
        )

    op.create_table(
        "renovation_revisit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["renovation_project.id"],
            name=op.f("fk_renovation_revisit_project_id_renovation_project"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_renovation_revisit_recorded_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_renovation_revisit_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renovation_revisit")),
    )
    with op.batch_alter_table("renovation_revisit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_renovation_revisit_project", ["project_id", "visited_on", "id"], unique=False
        )


def downgrade():
    op.drop_table("renovation_revisit")
    op.drop_table("renovation_project")
    op.drop_table("renovation_follow_up")
    op.drop_table("renovation_class_lead")
    op.drop_table("renovation_classed_customer")
