"""vip files and consumption (R4, R5); staff identity numbers for the insider check (R3)

Revision ID: 0005_vip
Revises: 0004_ownership
Create Date: 2026-11-24 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_vip"
down_revision = "0004_ownership"
branch_labels = None
depends_on = None

_OPEN = sa.text("status IN ('draft', 'submitted', 'returned')")


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id_number", sa.String(length=18), nullable=True))
        batch_op.create_index(batch_op.f("ix_user_account_id_number"), ["id_number"], unique=False)

    op.create_table(
        "vip_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("referrer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_vip_file_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_vip_file_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["referrer_id"],
            ["user_account.id"],
            name=op.f("fk_vip_file_referrer_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_vip_file_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vip_file")),
    )
    with op.batch_alter_table("vip_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vip_file_id_number"), ["id_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_vip_file_member_id"), ["member_id"], unique=False)
        batch_op.create_index(
            "ix_vip_file_referrer_status",
            ["referrer_id", "status", "updated_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_vip_file_referrer_updated", ["referrer_id", "updated_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_vip_file_store_status", ["store_id", "status", "updated_at", "id"], unique=False
        )
        batch_op.create_index(
            "uq_vip_file_open_member",
            ["member_id"],
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        )

    op.create_table(
        "vip_consumption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vip_file_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_vip_consumption_amount_positive")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_vip_consumption_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_vip_consumption_recorded_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_vip_consumption_store_id_store")
        ),
        sa.ForeignKeyConstraint(
            ["vip_file_id"], ["vip_file.id"], name=op.f("fk_vip_consumption_vip_file_id_vip_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vip_consumption")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_vip_consumption_idempotency_key")),
    )
    with op.batch_alter_table("vip_consumption", schema=None) as batch_op:
        batch_op.create_index(
            "ix_vip_consumption_file_occurred", ["vip_file_id", "occurred_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_vip_consumption_member_occurred", ["member_id", "occurred_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_vip_consumption_store_id"), ["store_id"], unique=False)


def downgrade():
    op.drop_table("vip_consumption")
    op.drop_table("vip_file")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_id_number"))
        batch_op.drop_column("id_number")
