"""memberships: types, memberships, periods, events and the deposit ledger (R15, R16)

Revision ID: 0009_memberships
Revises: 0008_plugin_registry
Create Date: 2026-12-02 00:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_memberships"
down_revision = "0008_plugin_registry"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "membership_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("name_zh", sa.String(length=120), nullable=False),
        sa.Column("entry_fee", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("management_fee", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("risk_deposit", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("period_months", sa.Integer(), nullable=False),
        sa.Column("sla_policy", sa.String(length=64), nullable=False),
        sa.Column("rights", sa.JSON(), nullable=True),
        sa.Column("obligations", sa.JSON(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "entry_fee >= 0 AND management_fee >= 0 AND risk_deposit >= 0",
            name=op.f("ck_membership_type_money"),
        ),
        sa.CheckConstraint(
            "period_months BETWEEN 1 AND 120", name=op.f("ck_membership_type_period")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_membership_type_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_type")),
        sa.UniqueConstraint("store_id", "code", name=op.f("uq_membership_type_store_id_code")),
    )
    with op.batch_alter_table("membership_type", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_type_store_id"), ["store_id"], unique=False)

    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_by_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("end_requested_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("ended_by", sa.String(length=16), nullable=True),
        sa.Column("transfer_to_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applied_by_id"],
            ["user_account.id"],
            name=op.f("fk_membership_applied_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_membership_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_membership_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_membership_store_id_store")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_to_id"], ["member.id"], name=op.f("fk_membership_transfer_to_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["type_id"], ["membership_type.id"], name=op.f("fk_membership_type_id_membership_type")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint("number", name=op.f("uq_membership_number")),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index(
            "ix_membership_member_applied", ["member_id", "applied_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_membership_store_applied", ["store_id", "applied_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_membership_type_applied", ["type_id", "applied_at", "id"], unique=False
        )

    op.create_table(
        "membership_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("other_member_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("until_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_membership_event_actor_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_membership_event_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_membership_event_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["other_member_id"],
            ["member.id"],
            name=op.f("fk_membership_event_other_member_id_member"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_event")),
    )
    with op.batch_alter_table("membership_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_membership_event_membership", ["membership_id", "id"], unique=False
        )

    op.create_table(
        "membership_ledger_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("part", sa.String(length=16), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("tranche_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_membership_ledger_entry_amount_positive")),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_membership_ledger_entry_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_membership_ledger_entry_recorded_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_membership_ledger_entry_store_id_store")
        ),
        sa.ForeignKeyConstraint(
            ["tranche_id"],
            ["membership_ledger_entry.id"],
            name=op.f("fk_membership_ledger_entry_tranche_id_membership_ledger_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_ledger_entry")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_membership_ledger_entry_idempotency_key")
        ),
    )
    with op.batch_alter_table("membership_ledger_entry", schema=None) as batch_op:
        batch_op.create_index("ix_membership_ledger_entry_due", ["kind", "due_on"], unique=False)
        batch_op.create_index(
            "ix_membership_ledger_entry_membership", ["membership_id", "id"], unique=False
        )
        batch_op.create_index(
            "uq_membership_ledger_entry_paid_tranche",
            ["tranche_id"],
            unique=True,
            sqlite_where=sa.text("kind = 'refund_paid'"),
            postgresql_where=sa.text("kind = 'refund_paid'"),
        )

    op.create_table(
        "membership_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_membership_period_order")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_membership_period_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_membership_period_membership_id_membership"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_period")),
        sa.UniqueConstraint(
            "membership_id", "starts_on", name=op.f("uq_membership_period_membership_id_starts_on")
        ),
    )


def downgrade():
    op.drop_table("membership_period")
    with op.batch_alter_table("membership_ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_membership_ledger_entry_paid_tranche",
            sqlite_where=sa.text("kind = 'refund_paid'"),
            postgresql_where=sa.text("kind = 'refund_paid'"),
        )
        batch_op.drop_index("ix_membership_ledger_entry_membership")
        batch_op.drop_index("ix_membership_ledger_entry_due")

    op.drop_table("membership_ledger_entry")
    with op.batch_alter_table("membership_event", schema=None) as batch_op:
        batch_op.drop_index("ix_membership_event_membership")

    op.drop_table("membership_event")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index("ix_membership_type_applied")
        batch_op.drop_index("ix_membership_store_applied")
        batch_op.drop_index("ix_membership_member_applied")

    op.drop_table("membership")
    with op.batch_alter_table("membership_type", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_type_store_id"))

    op.drop_table("membership_type")
