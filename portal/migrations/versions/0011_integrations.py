"""integrations: service accounts scoped to a store and actions; API idempotency keys

Revision ID: 0011_integrations
Revises: 0010_compliance
Create Date: 2026-12-02 07:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_integrations"
down_revision = "0010_compliance"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_integration", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "integration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_integration_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["user_account.id"],
            name=op.f("fk_integration_revoked_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_integration_store_id_store")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_integration_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration")),
        sa.UniqueConstraint("name", name=op.f("uq_integration_name")),
        sa.UniqueConstraint("user_id", name=op.f("uq_integration_user_id")),
    )
    with op.batch_alter_table("integration", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_integration_store_id"), ["store_id"], unique=False)
    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["user_account.id"],
            name=op.f("fk_idempotency_record_account_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint("account_id", "key", name=op.f("uq_idempotency_record_account_id_key")),
    )
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_record_expires_at"), ["expires_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_record_expires_at"))
    op.drop_table("idempotency_record")
    with op.batch_alter_table("integration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integration_store_id"))
    op.drop_table("integration")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("is_integration")
